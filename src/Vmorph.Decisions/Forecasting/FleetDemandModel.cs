namespace Vmorph.Forecasting;

/// <summary>
/// One FastTree model for a fleet whose policies have none trained beforehand (the live loop): VMs offer their CPU
/// history once they have forecast for a week, and the first <see cref="SeriesWanted"/> offers, or those made within
/// <see cref="Patience"/> of the first, train it; from then every VM of the fleet predicts with it, a new VM from its
/// first step, as every VM of a replay does with the model <c>simulate --train</c> trains. A model per horizon and
/// time zone (the label is the horizon's peak, the calendar features are local). Thread-safe.
/// </summary>
/// <remarks>
/// Instead of a model a VM: one training for the fleet (each VM's cost about 0.1 s of CPU, and a fleet started together
/// trained all of its models in one cycle) and one model in memory (5.7 KB a VM). The offers are held until the
/// training (16 bytes a step, a week each: 2 MB for 64), the model for the process's life. A server keeps it across a
/// restart: it stores the model when <c>trained</c> is called and <see cref="Restore"/>s it at its next start.
/// </remarks>
public sealed class FleetDemandModel
{
    /// <summary>Offers that train the model at once.</summary>
    public const int SeriesWanted = 64;

    /// <summary>How long after the first offer (in the VMs' time) fewer offers train it: a small fleet's.</summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromDays(1);

    private readonly object gate = new();
    private readonly Dictionary<(int HorizonSteps, string Zone), Pool> pools = [];
    private readonly int seed;
    private readonly bool inBackground;
    private readonly Action<Pool, FastTreeDemandModel>? trained;

    /// <summary>Creates an empty one.</summary>
    /// <param name="seed">Seeds its trainings.</param>
    /// <param name="inBackground">
    /// Train on the thread pool, the caller that completes the offers going on without the model until it is trained
    /// (a server: a training of a second or so would hold a grain's turn); false trains on that caller's thread, so
    /// that the model is there at the same step in every run (benchmarks, tests).
    /// </param>
    /// <param name="trained">
    /// Called with each model once it is trained (on the thread that trained it; not for a restored one): a server
    /// stores it there. It must not throw.
    /// </param>
    public FleetDemandModel(int seed = 1, bool inBackground = true, Action<Pool, FastTreeDemandModel>? trained = null)
    {
        this.seed = seed;
        this.inBackground = inBackground;
        this.trained = trained;
    }

    /// <summary>The fleet's model for a horizon and time zone, trained or not.</summary>
    public Pool For(int horizonSteps, TimeZoneInfo zone)
    {
        lock (gate)
        {
            var key = (horizonSteps, zone.Id);
            if (!pools.TryGetValue(key, out var pool)) pools[key] = pool = new Pool(horizonSteps, zone, seed, inBackground, trained);
            return pool;
        }
    }

    /// <summary>
    /// Makes <paramref name="model"/> (trained by an earlier run) the fleet's for its horizon and
    /// <paramref name="zone"/>, unless one is trained already: the VMs predict with it from their first step, and offer
    /// nothing. Returns whether it was taken.
    /// </summary>
    public bool Restore(FastTreeDemandModel model, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(model);
        return For(model.HorizonSteps, zone).Restore(model);
    }

    /// <summary>The models trained so far, by horizon (in steps) and time-zone id.</summary>
    public IReadOnlyList<(int HorizonSteps, string Zone, FastTreeDemandModel Model)> Trained()
    {
        lock (gate) return [.. pools.Values.Where(p => p.Model is not null).Select(p => (p.HorizonSteps, p.Zone.Id, p.Model!))];
    }

    /// <summary>The offers and the model for one horizon and time zone.</summary>
    public sealed class Pool
    {
        private readonly object gate = new();
        private readonly int seed;
        private readonly bool inBackground;
        private readonly Action<Pool, FastTreeDemandModel>? trained;
        private List<TrainingSeries> offers = [];
        private long firstOffer = long.MinValue;
        private bool training;
        private bool newOffer;
        private volatile FastTreeDemandModel? model;

        internal Pool(int horizonSteps, TimeZoneInfo zone, int seed, bool inBackground, Action<Pool, FastTreeDemandModel>? trained)
        {
            HorizonSteps = horizonSteps;
            Zone = zone;
            this.seed = seed;
            this.inBackground = inBackground;
            this.trained = trained;
        }

        /// <summary>The horizon the model forecasts, in steps.</summary>
        public int HorizonSteps { get; }

        /// <summary>The time zone of its calendar features.</summary>
        public TimeZoneInfo Zone { get; }

        /// <summary>The model, once trained.</summary>
        public FastTreeDemandModel? Model => model;

        /// <summary>Offers waiting for the training.</summary>
        public int Offers
        {
            get { lock (gate) return offers.Count; }
        }

        /// <summary>Offers a VM's history (ignored once the model is trained).</summary>
        public void Offer(TrainingSeries series, long nowUnixSeconds)
        {
            lock (gate)
            {
                if (model is not null) return;
                if (offers.Count == 0) firstOffer = nowUnixSeconds;
                offers.Add(series);
                newOffer = true;
            }
        }

        /// <summary>
        /// The model, or null: when enough offers wait, or the first has waited long enough at
        /// <paramref name="nowUnixSeconds"/>, this call starts its training (in the background, or on this thread and
        /// returns it); null until then, and while it trains.
        /// </summary>
        public FastTreeDemandModel? ModelAt(long nowUnixSeconds)
        {
            if (model is { } trained) return trained;
            List<TrainingSeries> series;
            lock (gate)
            {
                if (model is not null || training || !newOffer) return model;
                if (offers.Count < SeriesWanted && nowUnixSeconds - firstOffer < (long)Patience.TotalSeconds) return null;
                training = true;
                newOffer = false;
                series = offers;
                offers = [];
            }
            if (!inBackground) return Train(series);
            _ = Task.Run(() => Train(series));
            return null;
        }

        internal bool Restore(FastTreeDemandModel restored)
        {
            lock (gate)
            {
                if (model is not null || training) return false;
                model = restored;
                offers = [];
                return true;
            }
        }

        // Trains on the offers taken; on failure (too few rows to learn from) they wait for more.
        private FastTreeDemandModel? Train(List<TrainingSeries> series)
        {
            FastTreeDemandModel? result = null;
            try
            {
                result = FastTreeDemandModel.Train(series, HorizonSteps, Zone, seed, sampleEvery: 2);
            }
            catch (Exception) when (inBackground)
            {
                // Nobody awaits a background training: a failure is a model not trained, tried again at the next offer.
            }
            finally
            {
                lock (gate)
                {
                    training = false;
                    if (result is null) offers.InsertRange(0, series);
                    else
                    {
                        model = result;
                        offers = []; // those made during the training are not needed
                    }
                }
            }
            if (result is not null) trained?.Invoke(this, result);
            return result;
        }
    }
}
