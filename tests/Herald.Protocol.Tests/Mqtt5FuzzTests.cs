using System.Buffers;

namespace Herald.Protocol.Tests;

/// <summary>
/// Mutated MQTT 5 packets with properties through framing and every 5.0 reader: bad input may only
/// raise <see cref="PacketException"/>, because the read loop catches nothing else. Seeded, so a
/// failure names the case that reproduces it.
/// </summary>
public sealed class Mqtt5FuzzTests
{
    private const int Cases = 2_000;
    private const int MaxPacketSize = 4096;

    private static readonly byte[][] Seeds =
    [
        // CONNECT: session expiry, receive maximum, user property, auth method; will with will delay and response topic; username, password.
        Wire.Hex("10 41 00 04 4D 51 54 54 05 EE 00 3C 17 11 00 00 0E 10 21 00 14 26 00 01 6B 00 01 76 15 00 05 53 43 52 41 4D 00 01 63"
            + " 0F 18 00 00 00 05 08 00 07 72 65 70 6C 79 2F 31 00 01 77 00 01 78 00 01 75 00 01 70"),
        // CONNACK: assigned client id, topic alias maximum, reason string.
        Wire.Hex("20 14 01 00 11 12 00 04 61 75 74 6F 22 00 0A 1F 00 04 6F 6B 61 79"),
        // PUBLISH QoS 1: payload format, message expiry, two subscription identifiers, topic alias, correlation data, user property.
        Wire.Hex("32 27 00 03 61 2F 62 00 0A 1B 01 01 02 00 00 00 3C 0B 01 0B 80 01 23 00 05 09 00 02 AB CD 26 00 01 6B 00 01 76 68 69 21 21"),
        // PUBLISH QoS 0 with an empty topic and a topic alias.
        Wire.Hex("30 08 00 00 03 23 00 05 68 69"),
        // PUBACK with a reason and reason string; PUBREC three-byte form; PUBREL two-byte form; PUBCOMP with a user property.
        Wire.Hex("40 0A 00 01 87 06 1F 00 03 77 68 79"),
        Wire.Hex("50 03 00 02 10"),
        Wire.Hex("62 02 00 03"),
        Wire.Hex("70 0B 00 04 92 07 26 00 01 6B 00 01 76"),
        // SUBSCRIBE: subscription identifier, two filters with options.
        Wire.Hex("82 18 00 01 02 0B 07 00 03 61 2F 2B 2D 00 0A 24 73 68 61 72 65 2F 67 2F 23 22"),
        // SUBACK with a reason string and v5 codes; UNSUBSCRIBE with a user property; UNSUBACK with codes.
        Wire.Hex("90 0C 00 01 05 1F 00 02 6E 6F 01 87 9E A2"),
        Wire.Hex("A2 0D 00 02 07 26 00 01 6B 00 01 76 00 01 74"),
        Wire.Hex("B0 09 00 05 04 1F 00 01 78 00 11"),
        // DISCONNECT with session expiry, server reference, reason string; DISCONNECT one-byte form; AUTH with method and data.
        Wire.Hex("E0 11 9D 0F 11 00 00 00 00 1C 00 01 62 1F 00 03 62 79 65"),
        Wire.Hex("E0 01 04"),
        Wire.Hex("F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02"),
    ];

    /// <summary>What a buffer parses to: the packets read, then the error that stopped the loop, if any.</summary>
    private static string Outcome(ReadOnlySequence<byte> buffer)
    {
        var packets = new List<string>();
        try
        {
            while (PacketFrame.TryRead(ref buffer, MaxPacketSize, out var header, out var body))
                packets.Add(PacketDump.Describe(header, body, ProtocolVersion.V500));
            packets.Add($"incomplete {buffer.Length}");
        }
        catch (PacketException e)
        {
            packets.Add($"refused {e.Error}");
        }
        return string.Join(" | ", packets);
    }

    [Fact]
    public void Seeds_are_valid_packets()
    {
        foreach (var seed in Seeds)
        {
            var outcome = Outcome(new ReadOnlySequence<byte>(seed));
            Assert.DoesNotContain("refused", outcome, StringComparison.Ordinal);
            Assert.EndsWith("incomplete 0", outcome, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mutated_valid_packets_raise_only_packet_exceptions()
    {
        var random = new Random(5_0_0);
        var failures = new List<string>();
        int refused = 0, accepted = 0;
        for (var n = 0; n < Cases; n++)
        {
            var bytes = Mutate(random, Seeds[random.Next(Seeds.Length)]);
            var at = random.Next(bytes.Length + 1);
            try
            {
                var whole = Outcome(new ReadOnlySequence<byte>(bytes));
                var split = Outcome(Sequences.SplitAt(bytes, at));
                if (whole != split)
                    failures.Add($"case {n} {Convert.ToHexString(bytes)}: whole gives '{whole}', split at {at} gives '{split}'");
                if (whole.Contains("refused", StringComparison.Ordinal))
                    refused++;
                else if (!whole.StartsWith("incomplete", StringComparison.Ordinal))
                    accepted++;
            }
            catch (Exception e)
            {
                failures.Add($"case {n} {Convert.ToHexString(bytes)}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.Empty(failures);
        Assert.True(refused > Cases / 10, $"mutations are refused ({refused})");
        Assert.True(accepted > Cases / 10, $"some mutations are still valid packets ({accepted})");
    }

    /// <summary>One to three byte changes; most keep the fixed header so the change reaches the properties.</summary>
    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = (byte[])seed.Clone();
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var i = random.Next(bytes.Length);
            switch (random.Next(4))
            {
                case 0:
                    bytes[i] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[i] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    // A property identifier or length nudged by one: the likeliest near miss.
                    if (i >= 2)
                        bytes[i] += (byte)(random.Next(2) == 0 ? 1 : -1);
                    break;
                default:
                    if (i >= 2)
                        bytes[i] = (byte)random.Next(256);
                    break;
            }
        }
        return bytes;
    }
}
