package dev.loupe.task;

import java.util.List;

/** @param full the page holds as many tasks as were asked for, so a next page may exist (upstream's rule) */
public record TaskPage(List<TaskSummary> tasks, boolean full) {}
