namespace Herald.Bench.PubSub;

/// <summary>Who publishes to whom; <see cref="PubSubRun"/> turns it into clients and topics.</summary>
public enum Scenario
{
    /// <summary>One publisher, one subscriber, a topic of their own.</summary>
    OneToOne,

    /// <summary>1:N — one publisher, N subscribers on its one topic.</summary>
    FanOut,

    /// <summary>N:1 — N publishers on topics of their own, one subscriber on a wildcard over them.</summary>
    FanIn,

    /// <summary>N independent publisher/subscriber pairs on distinct topics.</summary>
    Pairs,
}
