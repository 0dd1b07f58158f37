package ai.t2vzero.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import ai.t2vzero.pipeline.GenerationListener.StagePlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's progress: plain lines per stage off a terminal, a progress bar on one. */
class CommandProgressTest {

    static final List<StagePlan> PLAN = List.of(new StagePlan("text_encoder", 1), new StagePlan("first_frame", 3),
            new StagePlan("all_frames", 4), new StagePlan("vae_decode", 2));

    /** Runs the plan's steps, chunks interleaved as the engine does (all_frames and vae_decode per chunk). */
    static void run(CommandProgress p, AtomicLong clock) {
        p.onPlan(PLAN);
        step(p, clock, "text_encoder", 1, 1);
        for (int i = 1; i <= 3; i++) {
            step(p, clock, "first_frame", i, 3);
        }
        step(p, clock, "all_frames", 1, 4);
        step(p, clock, "all_frames", 2, 4);
        step(p, clock, "vae_decode", 1, 2);
        step(p, clock, "all_frames", 3, 4);
        step(p, clock, "all_frames", 4, 4);
        step(p, clock, "vae_decode", 2, 2);
        step(p, clock, "encode", 1, 1); // not in the plan: the publisher's stage
        p.close();
    }

    private static void step(CommandProgress p, AtomicLong clock, String stage, int step, int steps) {
        clock.addAndGet(500_000_000L); // every unit takes 0.5 s
        p.onStep(stage, step, steps);
    }

    @Test
    void offATerminalOnePlainLinePerStage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        run(new CommandProgress("text-to-video", new PrintStream(bytes, true, StandardCharsets.UTF_8), false, clock::get),
                clock);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r") || text.contains("\u001b"), "no bar drawing off a terminal: " + text);
        assertEquals(List.of(
                "text-to-video: text_encoder 1/1 done in 0.5 s (elapsed 0.5 s, 10%)",
                "text-to-video: first_frame 3/3 done in 1.5 s (elapsed 2.0 s, 40%)",
                // a stage's time runs from the unit before its first to its last (chunks interleave stages)
                "text-to-video: all_frames 4/4 done in 2.5 s (elapsed 4.5 s, 90%)",
                "text-to-video: vae_decode 2/2 done in 2.0 s (elapsed 5.0 s, 100%)",
                "text-to-video: encode 1/1 done in 0.5 s (elapsed 5.5 s, 100%)"), text.lines().toList());
    }

    @Test
    void onATerminalABarWithStageStepsElapsedAndEta() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        CommandProgress p = new CommandProgress("text-to-video", new PrintStream(bytes, true, StandardCharsets.UTF_8),
                true, clock::get);
        p.onPlan(PLAN);
        p.onStep("text_encoder", 1, 1);
        p.onStep("first_frame", 2, 3);
        p.close();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\r"), "the bar redraws in place: " + text);
        assertTrue(text.contains("text-to-video"), text);
        assertTrue(text.contains("first_frame 2/3"), "current stage and its step/steps: " + text);
        assertTrue(text.contains("3/10"), "units of the whole job: " + text);
        assertTrue(text.matches("(?s).*\\(\\d+:\\d\\d:\\d\\d / \\d+:\\d\\d:\\d\\d\\).*"), "elapsed / ETA: " + text);
    }
}
