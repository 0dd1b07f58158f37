/**
 * The web page: static files under {@code META-INF/resources} (index.html, app.js, app.css; no build step) that use
 * the job API ({@code /jobs}), {@code GET /config/defaults} and {@code POST /uploads}, and {@link WebPageRoute}, which
 * serves the page on {@code GET /}, where Funqy would otherwise answer 404.
 */
package ai.t2vzero.web;
