package io.github.replicachequarkus.todo;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.store.SpaceReads;
import io.github.replicachequarkus.sync.SpaceWriter;
import io.quarkus.scheduler.Scheduled;

/**
 * The example of docs/mutators.md, compiled and run by the tests so that the page stays true: a scheduled job that
 * clears the done todos out of every list, as the server, with one write per list. Each list's connected clients see
 * their done todos go at once, as if one of them had deleted them.
 */
@ApplicationScoped
public class ArchiveDoneTodos {

    private final SpaceReads reads;
    private final SpaceWriter writer;

    ArchiveDoneTodos(SpaceReads reads, SpaceWriter writer) {
        this.reads = reads;
        this.writer = writer;
    }

    /** Every night in production ({@code todo.archive.cron=0 0 3 * * ?}); off unless configured. */
    @Scheduled(cron = "${todo.archive.cron:off}")
    public void archive() {
        String after = null;
        SpaceReads.SpacePage page;
        do {
            page = reads.spaces("", after, 100);
            for (SpaceReads.SpaceRow space : page.spaces()) {
                writer.write(space.spaceID(), tx -> {
                    List<String> done = new ArrayList<>();
                    tx.scan("").forEach((id, todo) -> {
                        if (todo.path("completed").asBoolean(false)) {
                            done.add(id);
                        }
                    });
                    done.forEach(tx::del);
                });
                after = space.spaceID();
            }
        } while (page.more());
    }
}
