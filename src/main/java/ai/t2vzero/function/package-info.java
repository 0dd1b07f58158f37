/** Funqy edge: one function per mode, request/response records, request validation and the JSON error mapping. */
package ai.t2vzero.function;
