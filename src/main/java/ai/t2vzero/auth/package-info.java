/** Who may call the service: optional bearer-token authentication, one Vert.x route filter in front of every route. */
package ai.t2vzero.auth;
