package ai.t2vzero.function;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.quarkus.funqy.runtime.FunctionInvoker;
import io.quarkus.funqy.runtime.FunctionRecorder;
import io.quarkus.funqy.runtime.bindings.knative.events.KnativeEventsBindingRecorder;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Funqy 3.33's Knative binding turns {@code FAIL_ON_UNKNOWN_PROPERTIES} off on the application's ObjectMapper when it
 * initialises (KnativeEventsBindingRecorder.init) and builds each function's input reader from it, so unknown fields
 * would be dropped whatever {@link StrictJsonCustomizer} or {@code quarkus.jackson.*} say. At startup, after that,
 * the feature is turned back on for the mapper (structured CloudEvents convert their {@code data} with it) and for
 * every function's cached reader (plain HTTP and binary CloudEvents).
 */
@ApplicationScoped
public class StrictFunqyReaders {

    @Inject
    ObjectMapper mapper;

    void onStart(@Observes StartupEvent event) {
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        if (FunctionRecorder.registry == null) {
            return;
        }
        for (FunctionInvoker invoker : FunctionRecorder.registry.invokers()) {
            Object reader = invoker.getBindingContext().get(KnativeEventsBindingRecorder.DATA_OBJECT_READER);
            if (reader instanceof ObjectReader r) {
                invoker.getBindingContext().put(KnativeEventsBindingRecorder.DATA_OBJECT_READER,
                        r.with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
            }
        }
    }
}
