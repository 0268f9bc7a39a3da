using System.Buffers;
using BenchmarkDotNet.Attributes;
using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Microbench;

/// <summary>
/// The codec on its own: framing and reading a PUBLISH with a 64-byte payload as the read loop
/// does, and writing PUBLISH and PUBACK into a reused buffer as the writer loop does.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const string Topic = "devices/42/status";
    private const int PayloadLength = 64;

    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private readonly TopicCache _topics = new();
    private byte[] _publishQos0 = [];
    private byte[] _publishQos1 = [];
    private Message _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        _publishQos0 = InProcess.Publish(Topic, PayloadLength, QualityOfService.AtMostOnce);
        _publishQos1 = InProcess.Publish(Topic, PayloadLength, QualityOfService.AtLeastOnce, packetId: 1);
        _message = Message.Create(Topic, new byte[PayloadLength], QualityOfService.AtLeastOnce, retain: false);
    }

    /// <summary>As the broker reads: a connection's <see cref="TopicCache"/> hands back the repeated topic.</summary>
    [Benchmark]
    public int ReadPublishQos0() => Read(_publishQos0, _topics);

    [Benchmark]
    public int ReadPublishQos1() => Read(_publishQos1, _topics);

    /// <summary>Without the cache: the topic is decoded into a new string, the one allocation a read makes.</summary>
    [Benchmark]
    public int ReadPublishQos0UncachedTopic() => Read(_publishQos0, topics: null);

    [Benchmark]
    public int WritePublishQos1V311()
    {
        _writer.ResetWrittenCount();
        _message.WritePublish(_writer, ProtocolVersion.V311, QualityOfService.AtLeastOnce, packetId: 1, dup: false, retain: false);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int WritePublishQos1V5()
    {
        _writer.ResetWrittenCount();
        _message.WritePublish(_writer, ProtocolVersion.V500, QualityOfService.AtLeastOnce, packetId: 1, dup: false, retain: false);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int WritePubAck()
    {
        _writer.ResetWrittenCount();
        new AckPacket(PacketType.PubAck, 1).WriteTo(_writer, ProtocolVersion.V311);
        return _writer.WrittenCount;
    }

    private static int Read(byte[] bytes, TopicCache? topics)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        if (!PacketFrame.TryRead(ref buffer, PacketFrame.MaxPacketSize, out var header, out var body))
            throw new InvalidOperationException("the PUBLISH is not whole");
        var packet = PublishPacket.Read(header, body, ProtocolVersion.V311, topics);
        return packet.PacketId + (int)packet.Payload.Length;
    }
}
