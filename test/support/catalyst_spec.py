#!/usr/bin/env python3
"""Reads a catalyst spec file the way catalyst 4 does and prints its values as JSON.

The reading rules of catalyst's SpecParser (catalyst/config.py, ParserBase
with key_value_separator=":", multiple_values=True, empty_values=False, eval_none=True), so
the tests check Rookery's generated specs against catalyst's own reading rules.
Usage: catalyst_spec.py SPEC
"""
import json
import re
import sys


def parse_lines(lines):
    values = {}
    cur_array = []
    trailing_comment = re.compile(r'\s*#.*$')
    for x, myline in enumerate(lines):
        myline = myline.strip()
        myline = trailing_comment.sub("", myline)
        if not myline:
            continue
        if ":" in myline:
            mobj = myline.split(":", 1)
            mobj[1] = mobj[1].strip().strip('"')
            cur_array = [mobj[0]]
            if mobj[1]:
                mobj[1] = mobj[1] % values
                cur_array += mobj[1].split()
        else:
            cur_array += myline.split()
        if len(cur_array) == 2:
            values[cur_array[0]] = cur_array[1]
        else:
            values[cur_array[0]] = cur_array[1:]
    for x in list(values.keys()):
        if not values[x]:
            del values[x]
    for x in list(values.keys()):
        if isinstance(values[x], str) and values[x].lower() in ['none']:
            values[x] = None
    return values


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(parse_lines(f.readlines()), sort_keys=True))
