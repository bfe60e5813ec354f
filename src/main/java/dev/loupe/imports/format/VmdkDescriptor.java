package dev.loupe.imports.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The text descriptor of a vmdk (VMware's Virtual Disk Format 1.1, "The Descriptor File"): {@code key=value}
 * lines, and extent lines such as {@code RW 2048 SPARSE "disk.vmdk"} that say which files hold the data. A
 * descriptor is how a vmdk points a consumer at other files, so only the single-file kinds are let through.
 */
final class VmdkDescriptor {

    static final String NO_DESCRIPTOR = "vmdk image has no embedded descriptor; refused";
    static final String PARENT = "vmdk image has a parent disk; refused";

    /** The create types whose data lives in the file that carries the descriptor. */
    private static final Set<String> SINGLE_FILE_TYPES = Set.of("monolithicsparse", "streamoptimized");

    private static final Set<String> ACCESS_MODES = Set.of("RW", "RDONLY", "NOACCESS");
    private static final String NO_PARENT_CID = "ffffffff";

    private VmdkDescriptor() {}

    /**
     * Whether the image is a descriptor on its own, as qemu would take it: comment and blank lines, then a
     * {@code version=} line. Such a file holds no data and names the files that do.
     */
    static boolean isDescriptorFile(Bytes head) {
        for (String line : text(head).split("\n", -1)) {
            if (line.startsWith("#") || line.replace('\r', ' ').isBlank()) {
                continue;
            }
            return line.length() > "version=".length()
                    && line.startsWith("version=")
                    && Character.isDigit(line.charAt("version=".length()));
        }
        return false;
    }

    /** What forbids a descriptor embedded in a sparse file; empty when it describes that file alone. */
    static List<String> refusals(Bytes descriptor) {
        List<String> refusals = new ArrayList<>();
        String createType = null;
        boolean parent = false;
        List<String> extents = new ArrayList<>();
        for (String raw : text(descriptor).split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+", 2);
            if (ACCESS_MODES.contains(words[0])) {
                extents.add(line);
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String key = line.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = unquote(line.substring(equals + 1).strip());
            switch (key) {
                case "createtype" -> createType = value;
                case "parentfilenamehint" -> parent = true;
                case "parentcid" -> parent |= !value.equalsIgnoreCase(NO_PARENT_CID);
                default -> {}
            }
        }
        if (createType == null && extents.isEmpty()) {
            return List.of(NO_DESCRIPTOR);
        }
        if (createType == null) {
            refusals.add("vmdk descriptor has no createType; refused");
        } else if (!SINGLE_FILE_TYPES.contains(createType.toLowerCase(Locale.ROOT))) {
            refusals.add("vmdk create type '" + createType + "' refers to other files; refused");
        }
        if (parent) {
            refusals.add(PARENT);
        }
        if (extents.isEmpty()) {
            refusals.add("vmdk descriptor names no extent; refused");
        } else if (extents.size() > 1) {
            refusals.add("vmdk image has " + extents.size() + " extents; refused");
        } else if (!isSelf(extents.getFirst())) {
            refusals.add("vmdk image refers to another file: " + extents.getFirst() + "; refused");
        }
        return refusals;
    }

    /**
     * Whether an extent line can only mean the file that carries the descriptor: a sparse extent under a bare
     * file name. The name itself cannot be checked, because the image is stored under a name of Loupe's choosing.
     */
    private static boolean isSelf(String extent) {
        String[] words = extent.split("\\s+", 4);
        if (words.length < 4 || !words[2].equals("SPARSE")) {
            return false;
        }
        String name = words[3];
        boolean quotedOnce = name.length() > 2 && name.startsWith("\"") && name.indexOf('"', 1) == name.length() - 1;
        return quotedOnce && name.chars().noneMatch(c -> c == '/' || c == '\\' || c == ':');
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1)
                : value;
    }

    /** The text up to the first NUL, which pads the descriptor's sectors. */
    private static String text(Bytes bytes) {
        byte[] all = new byte[bytes.length()];
        bytes.slice(0, all.length).get(all);
        int end = 0;
        while (end < all.length && all[end] != 0) {
            end++;
        }
        return new String(all, 0, end, StandardCharsets.ISO_8859_1);
    }
}
