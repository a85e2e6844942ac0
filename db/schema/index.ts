export * from "./users";
export * from "./orgs";
export * from "./audit";
export * from "./notify";
export * from "./ldap";
export * from "./runtime";
export * from "./git";
