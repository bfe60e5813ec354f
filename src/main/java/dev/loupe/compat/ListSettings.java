package dev.loupe.compat;

import dev.loupe.config.Config;
import dev.loupe.config.Options;

/**
 * Page sizes of every list, as Glance's {@code [DEFAULT]} options set them.
 *
 * @param defaultLimit the page size when a request gives no limit
 * @param maxLimit     the largest page size; larger limits are capped silently
 */
public record ListSettings(int defaultLimit, int maxLimit) {

    public static ListSettings from(Config config) {
        return new ListSettings(config.get(Options.LIMIT_PARAM_DEFAULT), config.get(Options.API_LIMIT_MAX));
    }

    /** The page size of a request that asked for {@code limit} (null: none). */
    public int pageSize(Integer limit) {
        return Math.min(limit == null ? defaultLimit : limit, maxLimit);
    }
}
