using System.Buffers.Binary;
using Herald.Protocol;

namespace Herald.Storage.Sqlite;

/// <summary>The blobs of the schema: subscription identifiers and will properties.</summary>
internal static class Encoding
{
    /// <summary>Subscription identifiers as 4-byte little-endian integers; null for none.</summary>
    public static byte[]? SubscriptionIds(int[]? ids)
    {
        if (ids is null)
            return null;
        var bytes = new byte[ids.Length * 4];
        for (var i = 0; i < ids.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), ids[i]);
        return bytes;
    }

    public static int[]? SubscriptionIds(byte[]? bytes)
    {
        if (bytes is null)
            return null;
        var ids = new int[bytes.Length / 4];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
        return ids;
    }

    /// <summary>Properties as MQTT encodes them, length first; null for none.</summary>
    public static byte[]? Properties(Properties? properties) => properties is null ? null : Herald.Protocol.Properties.Encode(properties);

    public static Properties? Properties(byte[]? bytes, int context) => bytes is null ? null : Herald.Protocol.Properties.Decode(bytes, context);
}
