using System.Text;

namespace Swarm.Ctl.Output;

/// <summary>Left-aligned columns separated by three spaces, like docker's tables.</summary>
public static class Table
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
        {
            for (var c = 0; c < headers.Count; c++)
            {
                widths[c] = Math.Max(widths[c], Cell(row, c).Length);
            }
        }

        var sb = new StringBuilder();
        foreach (var row in all)
        {
            var line = new StringBuilder();
            for (var c = 0; c < headers.Count; c++)
            {
                var cell = Cell(row, c);
                line.Append(c == headers.Count - 1 ? cell : cell.PadRight(widths[c] + 3));
            }

            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }

        return sb.ToString();
    }

    private static string Cell(IReadOnlyList<string> row, int c) => c < row.Count ? row[c] : "";
}
