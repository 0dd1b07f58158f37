package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;

/**
 * A position in a checkpoint's key tree, as candle's {@code vs.pp("norm1")}: model constructors descend with
 * the checkpoint's own key segments ({@code w.child("down_blocks").child(0).child("resnets")}) and read leaves
 * with their expected shapes.
 */
public final class WeightScope {

    private final WeightStore store;
    private final String prefix;

    WeightScope(WeightStore store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    public WeightScope child(String name) {
        return new WeightScope(store, key(name) + ".");
    }

    public WeightScope child(int index) {
        return child(Integer.toString(index));
    }

    /** The tensor {@code <prefix>name} with exactly {@code shape}. */
    public NDArray get(String name, long... shape) {
        return store.load(key(name), shape);
    }

    /** Whether {@code <prefix>name} is a tensor or a subtree of the checkpoint (optional layers). */
    public boolean has(String name) {
        String k = key(name);
        return store.contains(k) || store.hasPrefix(k + ".");
    }

    /** A buffer the checkpoint may carry that the model recomputes (counts as used). */
    public void ignore(String name) {
        store.ignore(key(name));
    }

    public String path() {
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    public WeightStore store() {
        return store;
    }

    private String key(String name) {
        return prefix + name;
    }
}
