import HoistWatchConfig
import HoistWatchCore

/// A script for the plant simulator (docs/scenarios.md): what the equipment does, which failures are injected
/// when, and which events `replay` must produce from the resulting trace.
///
/// Built by `Scenario.parse(toml:)`, which refuses unknown, missing, mistyped and impossible keys.
public struct Scenario: Sendable, Hashable {
    /// Short name, shown in trace notes and test output.
    public var name: String
    /// What the scenario shows, for the people reading the library.
    public var description: String?
    /// Elevator or crane; must match the calibration's.
    public var equipment: Equipment
    /// The calibration file the scenario is written for, relative to the scenario file (informational for tools).
    public var calibration: String?
    /// Seed of every random choice (passenger weights, sensor noise, generated service).
    public var seed: UInt64
    /// Elevator: the landing (1 = bottom) the car stands at when the trace starts.
    public var startLanding: Int?
    /// Crane: hook height at the start (m). Elevator: car height, when no `start_landing` is given.
    public var startHeightM: Double?
    /// The script, run in order.
    public var steps: [ScenarioStep]
    /// The events replay must produce: exactly these, no others.
    public var expectations: [Expectation]

    /// A scenario from its parts (tests build them directly; files go through `parse(toml:)`).
    public init(
        name: String, equipment: Equipment, seed: UInt64 = 1, startLanding: Int? = nil,
        startHeightM: Double? = nil, steps: [ScenarioStep] = [], expectations: [Expectation] = []
    ) {
        self.name = name
        self.equipment = equipment
        self.seed = seed
        self.startLanding = startLanding
        self.startHeightM = startHeightM
        self.steps = steps
        self.expectations = expectations
    }
}

/// One `[[step]]`: an action, started at `at_s` (seconds since the start) or as soon as the previous step is done.
public struct ScenarioStep: Sendable, Hashable {
    /// Not before this many seconds after the start of the trace; nil = right after the previous step.
    public var atS: Double?
    /// What the step does.
    public var action: ScenarioAction
    /// Where the step is in the file (`step[3]`), for error messages.
    public var key: String

    /// A step; `key` is where it came from, for error messages.
    public init(atS: Double? = nil, _ action: ScenarioAction, key: String = "step") {
        self.atS = atS
        self.action = action
        self.key = key
    }
}

/// What a step does. Elevator and crane have their own actions; a few (wait, inject) are shared.
public enum ScenarioAction: Sendable, Hashable {
    /// Elevator: close the doors, travel to a landing (1 = bottom), open the doors. `speedMps` overrides the
    /// rated speed (inspection drives use 0.3 m/s when not given).
    case trip(toLanding: Int, speedMps: Double?)
    /// Move the car (doors closed) or the hook to a height and stop there; the crane sets its hoist commands.
    case move(toM: Double, speedMps: Double?)
    /// Elevator: open the doors if needed, then people (random 55-95 kg each) and/or `kg` of freight get in.
    case board(passengers: Int, kg: Double)
    /// Elevator: people get out (nil = everyone) and/or freight is unloaded.
    case alight(passengers: Int?, kg: Double)
    /// Elevator: open or close the doors (opening also frees doors injected as stuck).
    case doors(open: Bool)
    /// Nothing new happens for a while (doors still close by themselves after their dwell time).
    case wait(seconds: Double)
    /// Elevator: someone holds the alarm button for a while.
    case pressAlarm(seconds: Double)
    /// Elevator: the inspection (maintenance) switch on or off.
    case inspection(on: Bool)
    /// Crane: a load is slung on the hook and the rope takes its weight over two seconds.
    case attach(kg: Double)
    /// Crane: the load is set down and unslung.
    case detach
    /// Crane: the mean wind speed from now on, with random gusts of about `gustMps`.
    case wind(mps: Double, gustMps: Double)
    /// A failure of the equipment or of a sensor.
    case inject(InjectedFault)
    /// Elevator: random busy service ("day in the life") for a while: calls, boarding, trips, alighting.
    case service(hours: Double, tripsPerHour: Double, maxPassengers: Int)
    /// Crane: a random working shift: sling, lift, lower, unsling.
    case shift(hours: Double, liftsPerHour: Double, maxKg: Double)
}

/// A failure the simulator can inject. "Next trip" faults affect the next `trip`/`move`; others last `seconds`
/// (nil = until the end of the scenario).
public enum InjectedFault: Sendable, Hashable {
    /// The next movement runs at `speedRatio` x rated speed.
    case overspeed(speedRatio: Double)
    /// The next movement stops dead (emergency stop) after `afterM` metres, or halfway; the car stays there.
    case stopBetweenFloors(afterM: Double?)
    /// The doors do not open at the next arrival, until a `doors` step opens them.
    case doorsStuck
    /// The next trip to a terminal landing overruns it by `beyondM`, rests `holdS`, then levels back slowly.
    case overtravel(beyondM: Double, holdS: Double)
    /// The door contact reads open for `seconds` in the middle of the next trip.
    case doorContactDrop(seconds: Double)
    /// The encoder loses `slipM` metres of counts over the next trip.
    case encoderSlip(slipM: Double)
    /// A limit switch never actuates.
    case limitDead(InputName, seconds: Double?)
    /// A limit switch reads actuated wherever the car or hook is.
    case limitStuck(InputName, seconds: Double?)
    /// Crane: the upper limits actuate but do not cut hoisting; the hook rises until the move ends.
    case limitNotCutting
    /// A switch input toggles every `periodMs` for `seconds` (a loose or corroded contact).
    case chatter(InputName, seconds: Double, periodMs: Double)
    /// Every load-cell read fails (`raw: null`).
    case adcFailed(seconds: Double)
    /// The load cell repeats its last raw value.
    case adcStuck(seconds: Double)
    /// Noise spikes flip both encoder lines at the same instant, `perSecond` times a second.
    case encoderGlitches(seconds: Double, perSecond: Double)
    /// `mains_ok` reads 0.
    case mainsLoss(seconds: Double)
}

/// One `[[expect]]`: events replay must produce, by type and transition, within a time window.
public struct Expectation: Sendable, Hashable {
    /// The event type.
    public var type: FaultType
    /// Raised or cleared.
    public var transition: Transition
    /// The earliest the event's `mono_ns` may be, seconds since the start of the trace.
    public var atSMin: Double
    /// The latest the event's `mono_ns` may be, seconds since the start of the trace.
    public var atSMax: Double
    /// How many such events, exactly.
    public var count: Int
    /// When given, the event's `data.case` (trapped passenger, limit switch failure).
    public var dataCase: String?
    /// When given, one of the event's `data.causes` (sensor fault).
    public var cause: String?
    /// Where it is in the file (`expect[2]`).
    public var key: String

    /// `count` events of this type and transition between `atSMin` and `atSMax` seconds.
    public init(
        type: FaultType, transition: Transition, atSMin: Double, atSMax: Double, count: Int = 1,
        dataCase: String? = nil, cause: String? = nil, key: String = "expect"
    ) {
        self.type = type
        self.transition = transition
        self.atSMin = atSMin
        self.atSMax = atSMax
        self.count = count
        self.dataCase = dataCase
        self.cause = cause
        self.key = key
    }
}
