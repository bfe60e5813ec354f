package dev.loupe.image;

/** One key of a list's order. */
public record SortKey(ImageField field, boolean ascending) {}
