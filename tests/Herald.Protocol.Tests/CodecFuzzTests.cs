using System.Buffers;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>
/// Random and mutated bytes through framing and every reader: bad input may only raise
/// <see cref="PacketException"/>, because the read loop catches nothing else. Seeded, so a
/// failure names the case that reproduces it.
/// </summary>
public sealed class CodecFuzzTests
{
    private const int Cases = 2_000;
    private const int MaxPacketSize = 4096;

    private static readonly byte[][] Seeds =
    [
        Wire.Hex("10 1F 00 04 4D 51 54 54 04 EC 00 0A 00 02 63 31 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 02 70 77"),
        Wire.Hex("10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63"),
        Wire.Hex("20 02 01 00"),
        Wire.Hex("32 09 00 03 61 2F 62 00 0A 68 69"),
        Wire.Hex("3D 0A 00 03 61 2F 62 BE EF 01 02 03"),
        Wire.Hex("62 02 12 34"),
        Wire.Hex("82 0C 00 01 00 03 61 2F 2B 01 00 01 23 00"),
        Wire.Hex("90 06 00 01 00 01 02 80"),
        Wire.Hex("A2 07 00 02 00 03 61 2F 2B"),
        Wire.Hex("B0 02 00 05"),
        Wire.Hex("C0 00"),
        Wire.Hex("E0 00"),
    ];

    /// <summary>What a buffer parses to: the packets read, then the error that stopped the loop, if any.</summary>
    private static string Outcome(ReadOnlySequence<byte> buffer)
    {
        var packets = new List<string>();
        try
        {
            while (PacketFrame.TryRead(ref buffer, MaxPacketSize, out var header, out var body))
                packets.Add(PacketDump.Describe(header, body));
            packets.Add($"incomplete {buffer.Length}");
        }
        catch (PacketException e)
        {
            packets.Add($"refused {e.Error}");
        }
        return string.Join(" | ", packets);
    }

    private static void Run(int seed, Func<Random, byte[]> generate, out int refused, out int accepted)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        refused = 0;
        accepted = 0;
        for (var n = 0; n < Cases; n++)
        {
            var bytes = generate(random);
            var at = bytes.Length == 0 ? 0 : random.Next(bytes.Length + 1);
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
    }

    [Fact]
    public void Random_bytes_raise_only_packet_exceptions()
    {
        Run(seed: 3_1_1, random =>
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            // Half the cases carry a true one-byte remaining length, so they get past framing into the readers.
            if (bytes.Length >= 2 && random.Next(2) == 0)
                bytes[1] = (byte)(bytes.Length - 2);
            return bytes;
        }, out var refused, out var accepted);

        Assert.True(refused > 0, "some random input is refused");
        Assert.True(accepted + refused > Cases / 4, "random input reaches the readers");
    }

    [Fact]
    public void Mutated_valid_packets_raise_only_packet_exceptions()
    {
        Run(seed: 5_0, random =>
        {
            var bytes = (byte[])Seeds[random.Next(Seeds.Length)].Clone();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                var i = random.Next(bytes.Length);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[i] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes[i] ^= (byte)(1 << random.Next(8));
                        break;
                    default:
                        // Keep the frame whole so the mutation reaches the body's reader.
                        if (i >= 2)
                            bytes[i] = (byte)random.Next(256);
                        break;
                }
            }
            return bytes;
        }, out var refused, out var accepted);

        Assert.True(refused > Cases / 10, "mutations are refused");
        Assert.True(accepted > Cases / 10, "some mutations are still valid packets");
    }
}
