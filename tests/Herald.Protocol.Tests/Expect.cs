namespace Herald.Protocol.Tests;

/// <summary>Asserts that the codec refuses input with a <see cref="PacketException"/> of a given kind.</summary>
internal static class Expect
{
    public static PacketException Error(PacketError error, Action read)
    {
        var exception = Assert.Throws<PacketException>(read);
        Assert.Equal(error, exception.Error);
        return exception;
    }

    public static PacketException Malformed(Action read) => Error(PacketError.MalformedPacket, read);
}
