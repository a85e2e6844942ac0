import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { farmEnvironments } from "./farm";
import { users } from "./users";

/**
 * The OpenPGP key that signs an environment's binary packages (GLEP 78), one per environment.
 * The secret key is an armored export without passphrase, encrypted at rest (server/crypto);
 * an imported key that has a passphrase keeps it, encrypted the same way.
 */
export const gpgSigningKeys = pgTable("gpg_signing_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  environmentId: uuid("environment_id")
    .notNull()
    .unique()
    .references(() => farmEnvironments.id, { onDelete: "cascade" }),
  fingerprint: text("fingerprint").notNull(),
  userId: text("user_id").notNull(),
  algorithm: text("algorithm").notNull(),
  publicKey: text("public_key").notNull(),
  secretKeyEncrypted: text("secret_key_encrypted").notNull(),
  passphraseEncrypted: text("passphrase_encrypted"),
  source: text("source", { enum: ["generated", "imported"] }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
