using System.Buffers.Binary;
using System.Net;

namespace Herald.Bench.Conn;

public sealed record ConnOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required EndPoint Server { get; init; }
    public required int Count { get; init; }
    public required double Rate { get; init; }
    public required IReadOnlyList<IPAddress> SourceAddresses { get; init; }
    public required string SourceAddressesText { get; init; }
    public required double HoldSeconds { get; init; }
    public string? ReadyFile { get; init; }
    public required bool Json { get; init; }

    public static ConnOptions Parse(Arguments args)
    {
        var host = args.String("host", "127.0.0.1");
        var port = args.Int("port", 1883, 1, 65535);
        var sources = args.String("source-addresses", "");
        return new ConnOptions
        {
            Host = host,
            Port = port,
            Server = Arguments.ResolveServer(host, port),
            Count = args.Int("count", 1000, 1),
            Rate = args.Double("rate", 1000, 1),
            SourceAddresses = ParseAddresses(sources),
            SourceAddressesText = sources,
            HoldSeconds = args.Double("hold", 10, 0),
            ReadyFile = args.String("ready-file", "") is { Length: > 0 } ready ? ready : null,
            Json = args.Flag("json"),
        };
    }

    /// <summary>"127.0.0.2-127.0.0.20", "10.0.0.1,10.0.0.2", or empty for the system's choice.</summary>
    public static IReadOnlyList<IPAddress> ParseAddresses(string text)
    {
        var addresses = new List<IPAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                addresses.Add(IPAddress.Parse(part));
                continue;
            }
            var first = ToUInt32(IPAddress.Parse(part[..dash]));
            var last = ToUInt32(IPAddress.Parse(part[(dash + 1)..]));
            if (last < first || last - first > 65535)
                throw new ArgumentException($"--source-addresses range '{part}' is empty or too large");
            for (var a = first; a <= last; a++)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, a);
                addresses.Add(new IPAddress(bytes));
            }
        }
        return addresses;
    }

    private static uint ToUInt32(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException($"--source-addresses ranges must be IPv4, not '{address}'");
        return BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
    }
}
