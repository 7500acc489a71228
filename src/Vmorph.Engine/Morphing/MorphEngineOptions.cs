using Vmorph.Guard;
using Vmorph.Morphs;
using Vmorph.Planning;

namespace Vmorph.Morphing;

/// <summary>Something worth telling the operator while a morph runs (a line of progress).</summary>
/// <param name="At">When.</param>
/// <param name="MorphId">The morph.</param>
/// <param name="Message">What happened, in one line.</param>
/// <param name="Warning">Whether it is a warning (data discarded, a failure, a person needed).</param>
public sealed record MorphProgress(DateTimeOffset At, string MorphId, string Message, bool Warning = false);

/// <summary>How the morph engine works (the same for every morph it runs).</summary>
public sealed record MorphEngineOptions
{
    /// <summary>
    /// What the host can do live and how much it has; the planner and the rollback planner use it. Read from the host
    /// the engine drives (the CLI: <c>LibvirtMorphDriver.ReadHostAsync</c>); there is no default.
    /// </summary>
    public required HostCapabilities Host { get; init; }

    /// <summary>How long a lease lasts unless renewed; it is renewed every third of this while a morph runs.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a second request for a busy VM looks again when it waits (<c>--wait</c>).</summary>
    public TimeSpan LeasePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the VM may take, after the last step, to show the planned configuration (the balloon moves the guest's
    /// memory over about a second): checked at the end of the observation window, polling.
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the settle check polls.</summary>
    public TimeSpan SettlePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Called with every journal entry once it is durable, before its actions run (progress, and the test-only crash hook).</summary>
    public Func<MorphJournalEntry, ValueTask>? AfterJournaled { get; init; }

    /// <summary>Makes a new morph's id from the time (null: the time to the second and 3 random bytes, <c>20261203-061500-5b77cb</c>).</summary>
    public Func<DateTimeOffset, string>? NewMorphId { get; init; }

    /// <summary>Called with progress lines.</summary>
    public Action<MorphProgress>? Progress { get; init; }

    /// <summary>Makes the health probe stored with a morph (<see cref="MorphBaseline.Probe"/>) again when the morph is recovered; null recovers without probes.</summary>
    public Func<string, IHealthProbe?>? ProbeFromAddress { get; init; }
}

/// <summary>How one morph is run: the guard's windows and policy, the probe, waiting for a busy VM, restarting first.</summary>
public sealed record ApplyOptions
{
    /// <summary>The observation window after the last step (zero: no observation; the guard's verdict is then inconclusive and the morph kept).</summary>
    public TimeSpan ObservationWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the baseline is sampled before the first change (zero: no baseline).</summary>
    public TimeSpan BaselineWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Time between two guard samples.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The guard's thresholds (its window is <see cref="ObservationWindow"/>).</summary>
    public GuardPolicy Policy { get; init; } = GuardPolicy.Default;

    /// <summary>The optional health probe, run once per sample in both windows.</summary>
    public IHealthProbe? Probe { get; init; }

    /// <summary>How long to wait for another morph of the VM to end; null refuses at once with the holder's id.</summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>
    /// Whether vmorph may restart the VM before the morph when its snapshot could not be reverted otherwise (a vCPU was
    /// hot-added since it started). Plans that restart the VM anyway do so without being asked.
    /// </summary>
    public bool RestartFirst { get; init; }

    /// <summary>Cancelled when a person asks to roll back (Ctrl-C): fed to the machine between actions.</summary>
    public CancellationToken RollbackRequested { get; init; }

    /// <summary>Notes kept with the morph: why it was made (the loop: its trigger and reason), parts of the target left out for this guest.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Checks the options, naming every problem at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ObservationWindow < TimeSpan.Zero) errors.Add("the observation window cannot be negative");
        if (BaselineWindow < TimeSpan.Zero) errors.Add("the baseline window cannot be negative");
        if (SampleInterval <= TimeSpan.Zero) errors.Add("the sample interval must be positive");
        if (Wait < TimeSpan.Zero) errors.Add("the wait cannot be negative");
        if (ObservationWindow > TimeSpan.Zero && ObservationWindow < SampleInterval * Policy.MinimumSamples)
            errors.Add($"an observation window of {ObservationWindow.TotalSeconds:0.#} s holds fewer than the {Policy.MinimumSamples} samples the guard needs at one every {SampleInterval.TotalSeconds:0.#} s; make it longer or sample more often");
        var policy = Policy.Validate();
        if (!policy.IsSuccess) errors.AddRange(policy.Errors);
        return errors;
    }
}
