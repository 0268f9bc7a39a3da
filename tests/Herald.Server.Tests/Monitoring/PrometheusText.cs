using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>One scrape of <c>/metrics</c> in the Prometheus text format, its samples found by name and labels.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: '{line}'");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
                labels.Add(label.Groups["name"].Value, label.Groups["value"].Value);
            _samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    /// <summary>GET /metrics, which must answer 200 with text/plain.</summary>
    public static async Task<PrometheusText> ScrapeAsync(int httpPort)
    {
        using var http = new HttpClient { Timeout = Wait.Bound };
        using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The value of the one sample named <paramref name="name"/> carrying every label given as
    /// <c>name=value</c>; null when there is none. Fails when several match: the same series twice.
    /// </summary>
    public double? Find(string name, params string[] labels)
    {
        var found = _samples.Where(s => s.Name == name && labels.All(l => Has(s.Labels, l))).ToList();
        Assert.True(found.Count <= 1, $"{found.Count} samples of {name} {string.Join(",", labels)} in:\n{Text}");
        return found.Count == 0 ? null : found[0].Value;
    }

    /// <summary>Like <see cref="Find"/>, failing when there is no such sample.</summary>
    public double Value(string name, params string[] labels) =>
        Find(name, labels) ?? throw new Xunit.Sdk.XunitException($"no sample {name} {string.Join(",", labels)} in:\n{Text}");

    /// <summary>The samples of <paramref name="name"/> with the value of their <paramref name="label"/>, in the order served.</summary>
    public List<(string Label, double Value)> Series(string name, string label) =>
        [.. _samples.Where(s => s.Name == name).Select(s => (s.Labels.GetValueOrDefault(label) ?? "", s.Value))];

    /// <summary>The type the <c># TYPE</c> line gives <paramref name="family"/>, or null.</summary>
    public string? TypeOf(string family) =>
        Text.Split('\n').FirstOrDefault(l => l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal))?[$"# TYPE {family} ".Length..];

    public override string ToString() => Text;

    private static bool Has(Dictionary<string, string> labels, string pair)
    {
        var (name, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
        return labels.TryGetValue(name, out var actual) && actual == value;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
