/** Storage of generated videos under unguessable ids, their HTTP download route and their expiry. */
package ai.t2vzero.artifact;
