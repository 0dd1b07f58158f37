package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.t2vzero.runtime.CpuInfo;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Bfloat16SpeedTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void measuresBothLayersBothWaysOnThisMachine() {
        // about 15 s on a CPU that emulates bfloat16 (the service never measures there; this test does, once)
        Bfloat16Speed speed = Bfloat16Speed.measure(Device.cpu());
        for (double rate : new double[] {speed.convFloat32(), speed.convBfloat16(), speed.linearFloat32(),
                speed.linearBfloat16()}) {
            assertTrue(rate > 0.05 && rate < 1e5, "a GFLOP/s rate, got " + rate + ": " + speed);
        }
        assertEquals(speed.convSpeedup() >= Bfloat16Speed.MIN_SPEEDUP
                && speed.linearSpeedup() >= Bfloat16Speed.MIN_SPEEDUP, speed.pays());
        assertTrue(speed.toString().contains(speed.pays() ? "pays" : "does not pay"), speed.toString());
        if (!CpuInfo.local().hasBfloat16()) {
            // libtorch emulates bfloat16 here: many times slower than float32, whatever the host's load
            assertFalse(speed.pays(), "emulated bfloat16 measured as paying: " + speed);
            assertTrue(speed.convSpeedup() < 0.5, speed.toString());
        }
    }

    @Test
    void theVerdictNeedsBothLayersFaster() {
        assertTrue(new Bfloat16Speed(50, 100, 60, 90).pays());
        assertFalse(new Bfloat16Speed(50, 100, 60, 70).pays(), "linear only 1.17x");
        assertFalse(new Bfloat16Speed(50, 55, 60, 200).pays(), "conv only 1.1x");
        assertTrue(new Bfloat16Speed(40, 50, 40, 50).pays(), "exactly the threshold");
    }
}
