// wasm-bindgen's loader and the internal error hook are not part of the
// public types: importing them must be an error. (The runtime tests check
// that the entry points do not export them, `default` included.)
// @ts-expect-error not exported
import { initSync } from "vendor-auth";
// @ts-expect-error not exported
import { __registerAuthError } from "vendor-auth";
// @ts-expect-error not exported
import type { InitInput } from "vendor-auth";
// @ts-expect-error not exported
import type { InitOutput } from "vendor-auth";

void [initSync, __registerAuthError];
export type { InitInput, InitOutput };
