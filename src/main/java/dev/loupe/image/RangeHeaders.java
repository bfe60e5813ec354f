package dev.loupe.image;

import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.RangeNotSatisfiable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The headers of a download that ask for a part of the data, read as webob reads them. */
public final class RangeHeaders {

    /** webob's Range expression, matched at the start of the header as Python's re.match does. */
    private static final Pattern RANGE = Pattern.compile("bytes *= *(\\d*) *- *(\\d*)", Pattern.CASE_INSENSITIVE);

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (?:(\\d+)-(\\d+)|[*])/(?:(\\d+)|[*])");

    private RangeHeaders() {}

    /**
     * The request's Range header or, as upstream still honours it, its Content-Range request header, as webob reads
     * them; null when it has neither.
     */
    public static RangeRequest parse(String range, String contentRange) {
        if (range != null) {
            if (range.contains(",")) {
                throw new InvalidInput("Requests with multiple ranges are not supported in Glance. You may make"
                        + " multiple single-range requests instead.");
            }
            Matcher m = RANGE.matcher(range);
            if (!m.lookingAt() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
                throw new RangeNotSatisfiable("Invalid Range header.");
            }
            if (m.group(1).isEmpty()) {
                return new RangeRequest.Bytes(-number(m.group(2)), null);
            }
            long start = number(m.group(1));
            if (m.group(2).isEmpty()) {
                return new RangeRequest.Bytes(start, null);
            }
            long end = saturatedIncrement(number(m.group(2)));
            if (start >= end) {
                throw new RangeNotSatisfiable("Invalid Range header.");
            }
            return new RangeRequest.Bytes(start, end);
        }
        if (contentRange != null) {
            Matcher m = CONTENT_RANGE.matcher(contentRange);
            // The forms with '*' have no start; upstream fails on them with a 500, Loupe calls them invalid.
            if (!m.lookingAt() || m.group(1) == null) {
                throw new RangeNotSatisfiable("Invalid Content-Range header.");
            }
            long start = number(m.group(1));
            long stop = saturatedIncrement(number(m.group(2)));
            Long length = m.group(3) == null ? null : number(m.group(3));
            boolean valid = start < stop && (length == null || stop <= length && start < length);
            if (!valid) {
                throw new RangeNotSatisfiable("Invalid Content-Range header.");
            }
            return new RangeRequest.Content(start, stop, length);
        }
        return null;
    }

    /** Decimal digits as a long; more than a long holds is the largest long (past the end of any image). */
    private static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedIncrement(long value) {
        return value == Long.MAX_VALUE ? value : value + 1;
    }
}
