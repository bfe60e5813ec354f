package dev.loupe.image;

import java.util.List;

/**
 * @param nextMarker the id to continue after, when the page was full (upstream's rule); null otherwise
 */
public record ImagePage(List<Image> images, String nextMarker) {
    public ImagePage {
        images = List.copyOf(images);
    }
}
