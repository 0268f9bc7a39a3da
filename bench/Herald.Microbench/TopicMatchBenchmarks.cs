using BenchmarkDotNet.Attributes;
using Herald.Broker.Connections;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Microbench;

/// <summary>
/// <see cref="SubscriptionTree.Match"/> over 100,000 subscriptions held by 10,000 sessions:
/// 90,000 literal filters <c>devices/{i}/status</c>, and for each of 1,000 groups five
/// <c>sensors/{g}/+/temp</c> and five <c>sensors/{g}/#</c>. A <c>devices/…</c> topic matches one
/// subscriber; a <c>sensors/{g}/…/temp</c> topic matches ten, under two nodes, so the results
/// go through the merge of duplicate sessions as well.
/// </summary>
[MemoryDiagnoser]
public class TopicMatchBenchmarks
{
    public const int SessionCount = 10_000;
    public const int LiteralCount = 90_000;
    public const int GroupCount = 1_000;

    private readonly SubscriptionTree _tree = new();
    private readonly List<Subscriber> _results = [];
    private Herald.Broker.Broker _broker = null!;

    [GlobalSetup]
    public void Setup()
    {
        _broker = InProcess.NewBroker();
        var sessions = new Session[SessionCount];
        for (var i = 0; i < SessionCount; i++)
            sessions[i] = InProcess.Connect(_broker, $"s{i}").Session!;

        for (var i = 0; i < LiteralCount; i++)
            Subscribe($"devices/{i}/status", sessions[i % SessionCount]);
        for (var g = 0; g < GroupCount; g++)
        {
            for (var j = 0; j < 5; j++)
            {
                Subscribe($"sensors/{g}/+/temp", sessions[(g * 10 + j) % SessionCount]);
                Subscribe($"sensors/{g}/#", sessions[(g * 10 + 5 + j) % SessionCount]);
            }
        }
        if (_tree.Count != LiteralCount + GroupCount * 10)
            throw new InvalidOperationException($"the tree holds {_tree.Count} subscriptions");
        if (MatchOneSubscriber() != 1 || MatchTenSubscribers() != 10)
            throw new InvalidOperationException("the benchmark topics do not match 1 and 10 subscribers");
    }

    [GlobalCleanup]
    public void Cleanup() => _broker.Dispose();

    [Benchmark]
    public int MatchOneSubscriber()
    {
        _results.Clear();
        _tree.Match("devices/42424/status", null, _results);
        return _results.Count;
    }

    [Benchmark]
    public int MatchTenSubscribers()
    {
        _results.Clear();
        _tree.Match("sensors/421/kitchen/temp", null, _results);
        return _results.Count;
    }

    private void Subscribe(string filter, Session session) =>
        _tree.Subscribe(session, new Subscription(new TopicSubscription(filter, QualityOfService.AtLeastOnce), subscriptionId: null));
}
