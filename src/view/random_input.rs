//! Test mode: `--random-input SECONDS` drives the real window with what a
//! person could do with a mouse and a keyboard (pointer moves, clicks,
//! drags from the palette, Shift-drags between nodes, right-click menus,
//! wheel turns, shortcuts, typing into whatever field has the focus), sent
//! as the same window messages the operating system's input becomes, for
//! that long. Then it checks that every request is accounted for, says
//! what it did, and closes. Anything that panics or logs an error fails the
//! run (see the window marathon in `.ci/`).
//!
//! It keeps the autosave like a normal run (that is part of what it
//! tests), so point `XDG_DATA_HOME` at a scratch folder when running it.

use std::collections::{BTreeMap, VecDeque};

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::mouse::{MouseButtonInput, MouseScrollUnit, MouseWheel};
use bevy::input::touch::TouchPhase;
use bevy::prelude::*;
use bevy::window::{CursorMoved, PrimaryWindow, WindowEvent};

use crate::sim::Sim;
use crate::sim::dist::SimRng;

/// Random input until this much real time has passed.
#[derive(Resource)]
pub struct RandomInput {
    pub seconds: f64,
    pub seed: u64,
}

/// One thing sent to the window.
#[derive(Clone, Copy, Debug)]
enum Step {
    Move(Vec2),
    Button(MouseButton, ButtonState),
    Key(KeyCode, ButtonState),
    /// A key that types a character (pressed and released).
    Type(char),
    Wheel(f32),
    /// Let this many frames pass (menus open, drags register).
    Wait(u32),
}

#[derive(Resource)]
struct Driver {
    rng: SimRng,
    plan: VecDeque<Step>,
    /// Actions started, by name.
    done: BTreeMap<&'static str, u64>,
    steps: u64,
    finished: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, start.run_if(resource_exists::<RandomInput>))
        .add_systems(First, drive.run_if(resource_exists::<Driver>));
}

fn start(mut commands: Commands, input: Res<RandomInput>) {
    info!("random input for {} s, seed {}", input.seconds, input.seed);
    commands.insert_resource(Driver {
        rng: SimRng::seeded(input.seed),
        plan: VecDeque::new(),
        done: BTreeMap::new(),
        steps: 0,
        finished: false,
    });
}

/// Keys pressed on their own. Ctrl+Q (quit) and Ctrl+W are never pressed.
const KEYS: [KeyCode; 17] = [
    KeyCode::Space,
    KeyCode::Delete,
    KeyCode::Backspace,
    KeyCode::Escape,
    KeyCode::Enter,
    KeyCode::Tab,
    KeyCode::ArrowUp,
    KeyCode::ArrowDown,
    KeyCode::ArrowLeft,
    KeyCode::ArrowRight,
    KeyCode::Digit1,
    KeyCode::Digit5,
    KeyCode::KeyF,
    KeyCode::KeyP,
    KeyCode::KeyT,
    KeyCode::Equal,
    KeyCode::Minus,
];

/// Shortcuts with Ctrl: undo, redo, save, new, open.
const CTRL_KEYS: [KeyCode; 5] = [KeyCode::KeyZ, KeyCode::KeyY, KeyCode::KeyS, KeyCode::KeyN, KeyCode::KeyO];

/// What typing into a field may enter: digits, signs, exponents, letters.
const TYPED: &[char] = &['0', '1', '5', '9', '.', '-', 'e', 'x', ' ', 'a', '\u{e9}', '8'];

impl Driver {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.below(items.len() as u32) as usize]
    }

    fn point(&mut self, size: Vec2) -> Vec2 {
        Vec2::new(self.rng.unit() as f32 * size.x, self.rng.unit() as f32 * size.y)
    }

    /// A point on the canvas, clear of the side panels most of the time.
    fn canvas_point(&mut self, size: Vec2) -> Vec2 {
        Vec2::new((0.2 + 0.55 * self.rng.unit() as f32) * size.x, (0.1 + 0.7 * self.rng.unit() as f32) * size.y)
    }

    fn click(&mut self, at: Vec2, button: MouseButton) {
        self.plan.extend([
            Step::Move(at),
            Step::Wait(1),
            Step::Button(button, ButtonState::Pressed),
            Step::Wait(1),
            Step::Button(button, ButtonState::Released),
            Step::Wait(1),
        ]);
    }

    fn drag(&mut self, from: Vec2, to: Vec2) {
        self.plan.extend([Step::Move(from), Step::Wait(1), Step::Button(MouseButton::Left, ButtonState::Pressed)]);
        for i in 1..=6 {
            self.plan.extend([Step::Move(from.lerp(to, i as f32 / 6.0)), Step::Wait(1)]);
        }
        self.plan.extend([Step::Button(MouseButton::Left, ButtonState::Released), Step::Wait(1)]);
    }

    /// Plan the next action a person might take.
    fn next_action(&mut self, size: Vec2) {
        let roll = self.rng.below(100);
        let name = match roll {
            0..30 => {
                let p = if self.rng.chance(0.5) { self.canvas_point(size) } else { self.point(size) };
                self.click(p, MouseButton::Left);
                "click"
            }
            30..40 => {
                // From the palette (left) onto the canvas: a new node.
                let from =
                    Vec2::new(20.0 + self.rng.unit() as f32 * 160.0, 60.0 + self.rng.unit() as f32 * (size.y - 120.0));
                let to = self.canvas_point(size);
                self.drag(from, to);
                "palette drag"
            }
            40..48 => {
                let (a, b) = (self.canvas_point(size), self.canvas_point(size));
                self.drag(a, b);
                "drag"
            }
            48..56 => {
                // Shift-drag between two points: connects nodes.
                let (a, b) = (self.canvas_point(size), self.canvas_point(size));
                self.plan.push_back(Step::Key(KeyCode::ShiftLeft, ButtonState::Pressed));
                self.drag(a, b);
                self.plan.push_back(Step::Key(KeyCode::ShiftLeft, ButtonState::Released));
                "connect"
            }
            56..66 => {
                // A right-click menu, then a click on one of its items.
                let p = self.canvas_point(size);
                self.click(p, MouseButton::Right);
                self.plan.push_back(Step::Wait(2));
                let item = p + Vec2::new(10.0 + self.rng.unit() as f32 * 140.0, 8.0 + self.rng.unit() as f32 * 260.0);
                self.click(item, MouseButton::Left);
                "menu"
            }
            66..72 => {
                let p = self.point(size);
                let y = (self.rng.below(7) as f32 - 3.0).max(-2.0);
                self.plan.extend([Step::Move(p), Step::Wait(1), Step::Wheel(y), Step::Wait(1)]);
                "wheel"
            }
            72..84 => {
                // F frames the system again now and then, as a person lost
                // after panning away would.
                let k = if self.rng.chance(0.3) { KeyCode::KeyF } else { self.pick(&KEYS) };
                self.plan.extend([
                    Step::Key(k, ButtonState::Pressed),
                    Step::Wait(1),
                    Step::Key(k, ButtonState::Released),
                ]);
                "key"
            }
            84..90 => {
                let k = self.pick(&CTRL_KEYS);
                self.plan.extend([
                    Step::Key(KeyCode::ControlLeft, ButtonState::Pressed),
                    Step::Key(k, ButtonState::Pressed),
                    Step::Wait(1),
                    Step::Key(k, ButtonState::Released),
                    Step::Key(KeyCode::ControlLeft, ButtonState::Released),
                    Step::Wait(1),
                ]);
                "shortcut"
            }
            _ => {
                // Click somewhere (a field, perhaps) and type into it.
                let p = self.point(size);
                self.click(p, MouseButton::Left);
                for _ in 0..1 + self.rng.below(6) {
                    let c = self.pick(TYPED);
                    self.plan.push_back(Step::Type(c));
                }
                self.plan.extend([
                    Step::Key(KeyCode::Enter, ButtonState::Pressed),
                    Step::Key(KeyCode::Enter, ButtonState::Released),
                ]);
                "type"
            }
        };
        *self.done.entry(name).or_default() += 1;
    }
}

#[allow(clippy::too_many_arguments)]
fn drive(
    mut driver: ResMut<Driver>,
    input: Res<RandomInput>,
    time: Res<Time<Real>>,
    mut windows: Query<(Entity, &mut Window), With<PrimaryWindow>>,
    mut events: MessageWriter<WindowEvent>,
    mut moved: MessageWriter<CursorMoved>,
    mut buttons: MessageWriter<MouseButtonInput>,
    mut keys: MessageWriter<KeyboardInput>,
    mut wheels: MessageWriter<MouseWheel>,
    sim: Res<Sim>,
    mut exit: MessageWriter<AppExit>,
) {
    let Ok((window, mut w)) = windows.single_mut() else { return };
    if driver.finished {
        return;
    }
    if time.elapsed_secs_f64() >= input.seconds {
        driver.finished = true;
        let books = match sim.check_conservation() {
            Ok(()) => "every request accounted for".to_string(),
            Err(e) => {
                error!("random input: conservation broken: {e}");
                e
            }
        };
        let done: Vec<String> = driver.done.iter().map(|(k, v)| format!("{k} {v}")).collect();
        info!(
            "random input done: {} actions ({}), {} input messages, {} nodes, sim at {:.1} s; {books}",
            driver.done.values().sum::<u64>(),
            done.join(", "),
            driver.steps,
            sim.nodes().iter().filter(|n| !n.removed).count(),
            crate::sim::time::nanos_to_secs(sim.now())
        );
        exit.write(AppExit::Success);
        return;
    }
    // A few steps a frame, so that a run of a minute does a few thousand.
    for _ in 0..3 {
        if driver.plan.is_empty() {
            let size = Vec2::new(w.width(), w.height());
            driver.next_action(size);
        }
        let Some(step) = driver.plan.pop_front() else { return };
        driver.steps += 1;
        match step {
            Step::Wait(0) => {}
            Step::Wait(n) => {
                driver.plan.push_front(Step::Wait(n - 1));
                return;
            }
            Step::Move(p) => {
                w.set_cursor_position(Some(p));
                let m = CursorMoved { window, position: p, delta: None };
                moved.write(m.clone());
                events.write(WindowEvent::CursorMoved(m));
            }
            Step::Button(button, state) => {
                let m = MouseButtonInput { button, state, window };
                buttons.write(m);
                events.write(WindowEvent::MouseButtonInput(m));
            }
            Step::Wheel(y) => {
                let m = MouseWheel { unit: MouseScrollUnit::Line, x: 0.0, y, window, phase: TouchPhase::Moved };
                wheels.write(m);
                events.write(WindowEvent::MouseWheel(m));
            }
            Step::Key(key_code, state) => {
                let m = KeyboardInput {
                    key_code,
                    logical_key: logical(key_code),
                    state,
                    text: None,
                    repeat: false,
                    window,
                };
                keys.write(m.clone());
                events.write(WindowEvent::KeyboardInput(m));
            }
            Step::Type(c) => {
                for state in [ButtonState::Pressed, ButtonState::Released] {
                    let m = KeyboardInput {
                        key_code: KeyCode::Unidentified(bevy::input::keyboard::NativeKeyCode::Unidentified),
                        logical_key: Key::Character(c.to_string().into()),
                        state,
                        text: (state == ButtonState::Pressed).then(|| c.to_string().into()),
                        repeat: false,
                        window,
                    };
                    keys.write(m.clone());
                    events.write(WindowEvent::KeyboardInput(m));
                }
            }
        }
    }
}

/// The logical key a key code gives on a US layout (enough for egui's
/// shortcuts and editing keys).
fn logical(k: KeyCode) -> Key {
    let ch = |c: &str| Key::Character(c.into());
    match k {
        KeyCode::Space => Key::Space,
        KeyCode::Delete => Key::Delete,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Escape => Key::Escape,
        KeyCode::Enter => Key::Enter,
        KeyCode::Tab => Key::Tab,
        KeyCode::ArrowUp => Key::ArrowUp,
        KeyCode::ArrowDown => Key::ArrowDown,
        KeyCode::ArrowLeft => Key::ArrowLeft,
        KeyCode::ArrowRight => Key::ArrowRight,
        KeyCode::ShiftLeft => Key::Shift,
        KeyCode::ControlLeft => Key::Control,
        KeyCode::Digit1 => ch("1"),
        KeyCode::Digit5 => ch("5"),
        KeyCode::KeyF => ch("f"),
        KeyCode::KeyP => ch("p"),
        KeyCode::KeyT => ch("t"),
        KeyCode::KeyZ => ch("z"),
        KeyCode::KeyY => ch("y"),
        KeyCode::KeyS => ch("s"),
        KeyCode::KeyN => ch("n"),
        KeyCode::KeyO => ch("o"),
        KeyCode::Equal => ch("="),
        KeyCode::Minus => ch("-"),
        _ => Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
    }
}
