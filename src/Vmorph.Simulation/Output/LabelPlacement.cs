namespace Vmorph.Simulation.Output;

/// <summary>A label's box, in pixels (y down), where it was drawn first.</summary>
/// <param name="Left">Left edge.</param>
/// <param name="Top">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct LabelBox(float Left, float Top, float Width, float Height)
{
    /// <summary>Whether two boxes overlap (touching is not overlapping).</summary>
    public bool Overlaps(LabelBox other) =>
        Left < other.Left + other.Width && other.Left < Left + Width && Top < other.Top + other.Height && other.Top < Top + Height;

    /// <summary>The box moved by an offset.</summary>
    public LabelBox Moved(float dx, float dy) => this with { Left = Left + dx, Top = Top + dy };
}

/// <summary>
/// Moves labels of a scatter plot off each other and off the other points' markers: each label, in the order given
/// (the most important first), takes the first of a few places around its point (right and above, as drawn; right and
/// below; left; above; below) where it overlaps nothing placed before it and no other marker; where every place is
/// taken it stays where it was drawn. Greedy, so not optimal, and enough for a few dozen labels.
/// </summary>
public static class LabelPlacement
{
    /// <summary>
    /// The offset (dx, dy) in pixels to add to each label. <paramref name="labels"/>: each label's box as drawn, beside its
    /// marker; <paramref name="markers"/>: every marker's box, in the same order.
    /// </summary>
    public static (float Dx, float Dy)[] Place(IReadOnlyList<LabelBox> labels, IReadOnlyList<LabelBox> markers)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(markers);
        if (labels.Count != markers.Count) throw new ArgumentException("one marker per label", nameof(markers));
        var placed = new List<LabelBox>(labels.Count);
        var offsets = new (float, float)[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            var marker = markers[i];
            var gap = 3f;
            // As drawn; right of the marker and below it; left of it, level and below; centred above; centred below.
            var leftShift = marker.Left - gap - label.Width - label.Left;
            var centreShift = marker.Left + marker.Width / 2 - label.Width / 2 - label.Left;
            var belowShift = marker.Top + marker.Height + gap - label.Top;
            var aboveShift = marker.Top - gap - label.Height - label.Top;
            (float, float)[] candidates =
            [
                (0, 0),
                (0, belowShift),
                (leftShift, 0),
                (leftShift, belowShift),
                (centreShift, aboveShift),
                (centreShift, belowShift),
            ];
            var chosen = (0f, 0f);
            foreach (var (dx, dy) in candidates)
            {
                var box = label.Moved(dx, dy);
                var free = !placed.Any(box.Overlaps);
                for (var m = 0; m < markers.Count && free; m++) free = m == i || !box.Overlaps(markers[m]);
                if (free)
                {
                    chosen = (dx, dy);
                    break;
                }
            }
            offsets[i] = chosen;
            placed.Add(label.Moved(chosen.Item1, chosen.Item2));
        }
        return offsets;
    }
}
