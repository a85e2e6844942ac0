/** Saves bytes or text as a file from the browser (nothing goes to the server). */
export function download(filename: string, data: string | Uint8Array, type = "application/x-pem-file") {
  const blob = new Blob([typeof data === "string" ? data : new Uint8Array(data)], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
