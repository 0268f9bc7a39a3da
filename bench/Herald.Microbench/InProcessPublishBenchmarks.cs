using System.Buffers;
using BenchmarkDotNet.Attributes;
using Herald.Broker.Connections;
using Herald.Protocol;

namespace Herald.Microbench;

/// <summary>
/// Server CPU per message without TCP: a 64-byte QoS 0 PUBLISH handed to the publisher's
/// connection (parse, route, enqueue), then the subscriber's writer side encoding it into a reused
/// buffer. What remains per message is the shared <see cref="Herald.Broker.Messages.Message"/>
/// and its encoded bytes; the repeated topic comes from the connection's topic cache.
/// </summary>
[MemoryDiagnoser]
public class InProcessPublishBenchmarks
{
    private const string Topic = "devices/42/status";

    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private Herald.Broker.Broker _broker = null!;
    private ClientConnection _publisher = null!;
    private ClientConnection _subscriber = null!;
    private ReadOnlySequence<byte> _publish;

    [GlobalSetup]
    public void Setup()
    {
        _broker = InProcess.NewBroker();
        _subscriber = InProcess.Connect(_broker, "subscriber");
        InProcess.Subscribe(_subscriber, Topic, QualityOfService.AtMostOnce);
        _publisher = InProcess.Connect(_broker, "publisher");
        _publish = new ReadOnlySequence<byte>(InProcess.Publish(Topic, 64, QualityOfService.AtMostOnce));
        if (PublishQos0ToOneSubscriber() != 1)
            throw new InvalidOperationException("the subscriber did not get the PUBLISH");
    }

    [GlobalCleanup]
    public void Cleanup() => _broker.Dispose();

    [Benchmark]
    public int PublishQos0ToOneSubscriber()
    {
        var received = _publisher.ReceiveAsync(_publish);
        if (!received.IsCompletedSuccessfully)
            throw new InvalidOperationException("ReceiveAsync did not complete synchronously");
        _writer.ResetWrittenCount();
        return _subscriber.WriteOutbound(_writer);
    }
}
