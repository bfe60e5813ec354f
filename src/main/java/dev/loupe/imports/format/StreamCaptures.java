package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the inspection keeps of the stream, besides its tail: the first {@value #HEAD} bytes, where every format's
 * header lives, and the few later ranges parsers ask for once a header has told them where to look (a vmdk
 * descriptor, vhdx region and metadata tables). Each range is copied as its bytes pass, whatever its position in
 * the image, so memory is the size of the ranges asked for, never of the image.
 *
 * <p>A range asked for once the stream is past it, beyond the head, is handed over with what the head holds of it,
 * possibly nothing; so is a range still waiting when the stream ends. "Past" is judged from where the request came
 * from (the end of the range whose reading asked for it), not from how far the current chunk reaches, so the answer
 * never depends on how the stream was cut into chunks.
 */
final class StreamCaptures {

    private static final int HEAD = 64 * 1024;

    private final byte[] head = new byte[HEAD];
    private final Consumer<Bytes> headReceiver;
    private final List<Capture> waiting = new ArrayList<>();
    private int headLength;
    private boolean headDelivered;
    private boolean finished;
    /** Stream bytes before the chunk being fed; all of them once the stream is finished. */
    private long position;

    private byte[] chunk;
    private int chunkFrom;
    private int chunkLength;
    /** While a range is being handed over: where it ends. Ranges it asks for that start before are past. */
    private long horizon;

    StreamCaptures(Consumer<Bytes> headReceiver) {
        this.headReceiver = headReceiver;
    }

    /**
     * Asks for {@code length} bytes at stream offset {@code offset}, for {@code receiver}; called by receivers of
     * the head or of earlier ranges. Offsets from headers may be absurd: a range that cannot exist is handed over
     * empty.
     */
    void request(long offset, int length, Consumer<Bytes> receiver) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            receiver.accept(Bytes.EMPTY);
            return;
        }
        Capture capture = new Capture(offset, length, receiver);
        capture.take(head, 0, 0, headLength);
        if (chunk != null && capture.next() >= horizon) {
            capture.take(chunk, chunkFrom, position, chunkLength);
        }
        if (capture.complete() || finished || capture.next() < horizon) {
            deliver(capture);
        } else {
            waiting.add(capture);
        }
    }

    void feed(byte[] bytes, int from, int length) {
        if (position < HEAD) {
            int n = (int) Math.min(length, HEAD - position);
            System.arraycopy(bytes, from, head, headLength, n);
            headLength += n;
        }
        chunk = bytes;
        chunkFrom = from;
        chunkLength = length;
        try {
            if (headLength == HEAD && !headDelivered) {
                deliverHead();
            }
            // Receivers may ask for more ranges; those take this chunk themselves, so a snapshot suffices.
            for (Capture capture : waiting.isEmpty() ? List.<Capture>of() : List.copyOf(waiting)) {
                capture.take(bytes, from, position, length);
                if (capture.complete()) {
                    waiting.remove(capture);
                    deliver(capture);
                }
            }
        } finally {
            chunk = null;
            position += length;
        }
    }

    /** Hands over everything still waiting; ranges asked for from now on are handed over at once. */
    void finish() {
        finished = true;
        if (!headDelivered) {
            deliverHead();
        }
        while (!waiting.isEmpty()) {
            deliver(waiting.removeFirst());
        }
    }

    long position() {
        return position;
    }

    private void deliverHead() {
        headDelivered = true;
        handOver(HEAD, () -> headReceiver.accept(new Bytes(head, headLength)));
    }

    private void deliver(Capture capture) {
        handOver(capture.end(), capture::deliver);
    }

    private void handOver(long end, Runnable delivery) {
        long outer = horizon;
        horizon = Math.max(outer, end);
        try {
            delivery.run();
        } finally {
            horizon = outer;
        }
    }
}
