/** Model bundles by name: the lazy, load-once registry over the models volume and the writer of random-weight bundles (demo and full-size benchmark presets). */
package ai.t2vzero.bundle;
