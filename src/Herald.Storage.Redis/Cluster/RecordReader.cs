using System.Buffers.Binary;
using System.Text;

namespace Herald.Storage.Redis.Cluster;

/// <summary>Reads what <see cref="RecordWriter"/> wrote; a value cut short throws <see cref="FormatException"/>.</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool AtEnd => _rest.IsEmpty;

    public byte Byte() => Take(1)[0];

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> Bytes() => Take(Length());

    public string? String()
    {
        var length = Int32();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    private int Length()
    {
        var length = Int32();
        return length >= 0 ? length : throw new FormatException("a negative length in a Redis record");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length)
            throw new FormatException("a Redis record ends early");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
