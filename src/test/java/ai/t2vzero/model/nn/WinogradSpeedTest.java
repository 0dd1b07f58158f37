package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WinogradSpeedTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void measuresBothConvolutionsOncePerDevice() {
        WinogradSpeed speed = WinogradSpeed.on(Device.cpu());
        assertSame(speed, WinogradSpeed.on(Device.cpu()), "measured once per process and device");
        assertTrue(speed.directMs() > 0 && speed.directMs() < 60_000, speed.toString());
        assertTrue(speed.winogradMs() > 0 && speed.winogradMs() < 60_000, speed.toString());
        assertEquals(speed.speedup() >= WinogradSpeed.MIN_SPEEDUP, speed.pays());
        assertTrue(speed.toString().contains(speed.pays() ? "auto takes Winograd" : "keeps the direct"),
                speed.toString());
    }

    @Test
    void theVerdictNeedsTheMargin() {
        assertTrue(new WinogradSpeed(50, 35).pays());
        assertFalse(new WinogradSpeed(50, 48).pays(), "1.04x is within a measurement's noise");
        assertFalse(new WinogradSpeed(50, 70).pays());
    }
}
