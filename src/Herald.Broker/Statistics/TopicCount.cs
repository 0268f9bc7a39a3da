namespace Herald.Broker.Statistics;

/// <summary>
/// One topic's counts in a sketch or a window. <see cref="Messages"/> is an estimate: the true
/// count lies in [<see cref="Messages"/> − <see cref="Error"/>, <see cref="Messages"/>], and is
/// exact when <see cref="Error"/> is 0. <see cref="Bytes"/> is built the same way (it carries the
/// bytes of the messages counted in <see cref="Error"/>), so it too is exact when the error is 0.
/// </summary>
/// <param name="Topic">The topic name.</param>
/// <param name="Messages">Estimated messages, never fewer than the true count.</param>
/// <param name="Bytes">Estimated payload bytes, exact when <paramref name="Error"/> is 0.</param>
/// <param name="Error">How many of <paramref name="Messages"/> may not be this topic's.</param>
public readonly record struct TopicCount(string Topic, long Messages, long Bytes, long Error);
