using System.Buffers;
using System.Text;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>A connection's recent topics: repeated PUBLISH topics are not decoded again.</summary>
public sealed class TopicCacheTests
{
    [Fact]
    public void Repeated_topic_is_the_same_string_instance()
    {
        var cache = new TopicCache();

        var first = Read("sensors/1/temp", cache);
        var second = Read("sensors/1/temp", cache);

        Assert.Equal("sensors/1/temp", second);
        Assert.Same(first, second);
    }

    [Fact]
    public void Different_topics_of_the_same_length_are_told_apart()
    {
        var cache = new TopicCache();
        Read("a/b", cache);

        Assert.Equal("a/c", Read("a/c", cache));
        Assert.Equal("a/b", Read("a/b", cache));
    }

    [Fact]
    public void Non_ascii_topic_is_decoded_every_time()
    {
        var cache = new TopicCache();

        var first = Read("température/€", cache);
        var second = Read("température/€", cache);

        Assert.Equal("température/€", second);
        Assert.NotSame(first, second);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-2")]
    public void Cache_does_not_let_a_wildcard_topic_through()
    {
        var cache = new TopicCache();
        Read("a/b", cache);

        Assert.Throws<PacketException>(() => Read("a/+", cache));
    }

    private static string Read(string topic, TopicCache cache)
    {
        var writer = new ArrayBufferWriter<byte>();
        new PublishPacket { Topic = topic, Payload = new ReadOnlySequence<byte>("x"u8.ToArray()) }.WriteTo(writer);
        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(PacketFrame.TryRead(ref buffer, PacketFrame.MaxPacketSize, out var header, out var body));
        return PublishPacket.Read(header, body, ProtocolVersion.V311, cache).Topic;
    }
}
