namespace Herald.Broker.Persistence;

/// <summary><c>using (new AtomicRecording(store))</c>: <see cref="IDurableStore.BeginAtomic"/> to <see cref="IDurableStore.EndAtomic"/>, when there is a store.</summary>
public readonly ref struct AtomicRecording
{
    private readonly IDurableStore? _store;

    public AtomicRecording(IDurableStore? store)
    {
        _store = store;
        store?.BeginAtomic();
    }

    public void Dispose() => _store?.EndAtomic();
}
