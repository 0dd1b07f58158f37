/**
 * Input videos for the conditional modes: uploads ({@code POST /uploads}, referenced as {@code upload:<id>}) and
 * http(s) URLs fetched with SSRF protections ({@link ai.t2vzero.input.SafeUrlFetcher}), resolved to local files by
 * {@link ai.t2vzero.input.VideoInputs}.
 */
package ai.t2vzero.input;
