package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import io.github.replicachequarkus.relay.SpaceChanged;
import io.quarkus.scheduler.Scheduled;

/**
 * How busy each room of this machine is: its sockets, and how many versions its space advanced over the last minute.
 * Every machine hears every committed change (its own after commit, the others' through the relay), so the rate of a
 * room here counts the changes of its space wherever they were made. Only spaces with a room here are counted.
 */
@ApplicationScoped
public class RoomActivity {

    /** A room of this machine: its sockets, and the versions its space advanced by in the last minute. */
    public record Load(String spaceID, int sockets, long changesPerMinute) {
    }

    private final ChangeRates rates = new ChangeRates();
    private final Rooms rooms;

    RoomActivity(Rooms rooms) {
        this.rooms = rooms;
    }

    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        if (rooms.hosts(change.spaceID())) {
            rates.advanced(change.spaceID(), change.version(), System.currentTimeMillis());
        }
    }

    /** The rooms of this machine that have sockets, in space id order. */
    public List<Load> rooms() {
        long now = System.currentTimeMillis();
        List<Load> loads = new ArrayList<>();
        rooms.sockets().forEach((spaceID, sockets) -> {
            if (sockets > 0) {
                loads.add(new Load(spaceID, sockets, rates.perMinute(spaceID, now)));
            }
        });
        return loads;
    }

    /** Forgets the rates of rooms that are gone or were quiet for a minute. */
    @Scheduled(identity = "replicache-room-activity", every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetQuiet() {
        rates.forget(System.currentTimeMillis(), rooms::hosts);
    }
}
