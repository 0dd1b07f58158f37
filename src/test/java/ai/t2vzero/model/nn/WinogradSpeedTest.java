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
        assertTrue(speed.f2Ms() > 0 && speed.f2Ms() < 60_000, speed.toString());
        assertTrue(speed.f4Ms() > 0 && speed.f4Ms() < 60_000, speed.toString());
        for (WinogradConv3x3.Tile tile : WinogradConv3x3.Tile.values()) {
            assertEquals(speed.speedup(tile) >= WinogradSpeed.MIN_SPEEDUP, speed.pays(tile));
        }
        assertTrue(speed.toString().contains(speed.pays(WinogradConv3x3.Tile.F2) ? "auto takes F(2x2)"
                : "auto takes F(4x4) where a layer allows it, else the direct"), speed.toString());
    }

    @Test
    void theVerdictNeedsTheMarginPerTile() {
        WinogradSpeed avx2 = new WinogradSpeed(50, 35, 24);
        assertTrue(avx2.pays(WinogradConv3x3.Tile.F2));
        assertTrue(avx2.pays(WinogradConv3x3.Tile.F4));
        assertTrue(avx2.toString().contains("auto takes F(2x2), F(4x4) where a layer allows it"), avx2.toString());
        WinogradSpeed f4Only = new WinogradSpeed(50, 48, 40);
        assertFalse(f4Only.pays(WinogradConv3x3.Tile.F2), "1.04x is within a measurement's noise");
        assertTrue(f4Only.pays(WinogradConv3x3.Tile.F4));
        assertTrue(f4Only.toString().contains("F(4x4) where a layer allows it, else the direct"), f4Only.toString());
        WinogradSpeed none = new WinogradSpeed(50, 70, Double.NaN);
        assertFalse(none.pays(WinogradConv3x3.Tile.F2));
        assertFalse(none.pays(WinogradConv3x3.Tile.F4), "no F(4x4) module: never taken");
        assertTrue(none.toString().contains("auto takes the direct convolution"), none.toString());
    }
}
