export * from "./clock";
export * from "./credentials";
export * from "./digitalocean-client";
export * from "./errors";
export * from "./rate-budget";
export * from "./retry-policy";
export * from "./wire";
export * from "./image-waiter";
