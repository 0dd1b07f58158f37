package ai.t2vzero.job;

import io.restassured.path.json.JsonPath;

import java.util.ArrayList;
import java.util.List;

/** A finished text/event-stream body, split into its events (comments dropped). */
record SseEvents(List<Event> events) {

    record Event(String name, String data) {
        JsonPath json() {
            return JsonPath.from(data);
        }
    }

    static SseEvents parse(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.replace("\r\n", "\n").split("\n\n")) {
            String name = "message";
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    d = d.startsWith(" ") ? d.substring(1) : d;
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
            if (data != null) {
                events.add(new Event(name, data.toString()));
            }
        }
        return new SseEvents(events);
    }

    Event last() {
        return events.get(events.size() - 1);
    }
}
