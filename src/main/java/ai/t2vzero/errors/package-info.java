/** The one error vocabulary of the API: a sealed family of exceptions (status, code, field) and its JSON shape. */
package ai.t2vzero.errors;
