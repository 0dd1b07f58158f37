package ai.t2vzero.bundle;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResidentBundlesTest {

    @Test
    void theLeastRecentlyUsedIdleBundleIsUnloadedNeverOneInUse() {
        List<String> unloaded = new ArrayList<>();
        ResidentBundles r = new ResidentBundles(2, unloaded::add);
        r.acquire("a");
        r.acquire("b");
        r.release("b");
        r.acquire("c");                  // a is in use, b idle: b goes
        assertEquals(List.of("b"), unloaded);
        r.release("c");
        r.acquire("d");                  // a in use, c idle: c goes
        assertEquals(List.of("b", "c"), unloaded);
        r.acquire("e");                  // a and d in use: nothing can go, the count passes the limit
        assertEquals(List.of("b", "c"), unloaded);
        assertEquals(3, r.resident());
        r.release("a");
        r.release("a");                  // extra releases do not go negative
        r.acquire("d");                  // d used again: a is now the least recently used idle one
        r.release("d");
        r.release("d");
        r.acquire("f");                  // a, d idle (a older), e in use: back to the limit, oldest first
        assertEquals(List.of("b", "c", "a", "d"), unloaded);
        assertEquals(2, r.resident());
        assertThrows(IllegalArgumentException.class, () -> new ResidentBundles(0, k -> { }));
    }
}
