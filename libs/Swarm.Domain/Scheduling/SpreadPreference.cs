using Swarm.Domain.Nodes;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// A spread preference (<c>spread=node.labels.zone</c>): tasks are spread evenly over the values of a
/// node or engine label; nodes without the label form a group of their own.
/// </summary>
public sealed record SpreadPreference(string Descriptor, bool Engine, string Label)
{
    private const string NodeLabelsPrefix = "node.labels.";
    private const string EngineLabelsPrefix = "engine.labels.";

    /// <summary>The descriptor, with or without a leading <c>spread=</c>; null when it is not one.</summary>
    public static SpreadPreference? Parse(string? descriptor)
    {
        var text = descriptor?.Trim() ?? "";
        if (text.StartsWith("spread=", StringComparison.OrdinalIgnoreCase))
        {
            text = text["spread=".Length..].Trim();
        }

        if (text.StartsWith(NodeLabelsPrefix, StringComparison.OrdinalIgnoreCase) && text.Length > NodeLabelsPrefix.Length)
        {
            return new(text, false, text[NodeLabelsPrefix.Length..]);
        }

        if (text.StartsWith(EngineLabelsPrefix, StringComparison.OrdinalIgnoreCase) && text.Length > EngineLabelsPrefix.Length)
        {
            return new(text, true, text[EngineLabelsPrefix.Length..]);
        }

        return null;
    }

    /// <summary>The node's value for this label, or null when it has none.</summary>
    public string? ValueOf(Node node)
    {
        if (Engine)
        {
            return node.Description.EngineLabels.TryGetValue(Label, out var e) ? e : null;
        }

        return node.Labels.TryGetValue(Label, out var v) || node.Description.Labels.TryGetValue(Label, out v) ? v : null;
    }
}
