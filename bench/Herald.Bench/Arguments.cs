using System.Globalization;
using System.Net;

namespace Herald.Bench;

/// <summary>
/// <c>--name value</c> and <c>--flag</c> switches after the verb. Every switch must be read by the
/// verb, so a misspelt one is an error rather than a silently ignored setting.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new ArgumentException($"unexpected argument '{arg}'");
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            _values[name] = value;
        }
    }

    public string String(string name, string fallback) => Get(name) ?? fallback;

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var value) && value is null or "true" or "1";
    }

    public int Int(string name, int fallback, int min, int max = int.MaxValue)
    {
        var text = Get(name);
        if (text is null)
            return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be an integer from {min} to {max}, not '{text}'");
        return value;
    }

    public double Double(string name, double fallback, double min)
    {
        var text = Get(name);
        if (text is null)
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"--{name} must be a number of at least {min}, not '{text}'");
        return value;
    }

    /// <summary>Throws naming the first switch no one read.</summary>
    public void EnsureAllUsed()
    {
        foreach (var name in _values.Keys)
        {
            if (!_used.Contains(name))
                throw new ArgumentException($"unknown switch --{name}");
        }
    }

    public static EndPoint ResolveServer(string host, int port)
    {
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        var addresses = Dns.GetHostAddresses(host);
        var ipv4 = Array.Find(addresses, a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        return new IPEndPoint(ipv4 ?? addresses[0], port);
    }

    private string? Get(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var value))
            return null;
        return value ?? throw new ArgumentException($"--{name} needs a value");
    }
}
