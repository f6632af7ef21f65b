//! One pointer for the canvas, moved by a mouse or by a finger.
//!
//! The canvas selects, drags and connects with whichever is in use: the
//! left mouse button, or the first finger on a touch screen. A finger held
//! still for half a second is a long press (the touch screen's right
//! click: the fault menu). Two fingers pan and pinch the view (see the
//! canvas); egui reads touches itself.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

/// How long a finger must rest for a long press (seconds).
pub const LONG_PRESS_S: f64 = 0.5;
/// How far (logical pixels) a finger may wander and still be a tap or a
/// long press rather than a drag.
pub const STILL_PX: f32 = 10.0;

/// The canvas pointer this frame.
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq)]
pub struct Pointer {
    /// Where it is, in logical window pixels (None off the window, or when
    /// no finger is down on a touch screen).
    pub screen: Option<Vec2>,
    /// Where the press began.
    pub start: Option<Vec2>,
    pub pressed: bool,
    pub just_pressed: bool,
    pub just_released: bool,
    /// A finger moves it (not the mouse).
    pub touch: bool,
    /// Fingers on the screen now.
    pub fingers: usize,
    /// The press has moved beyond a tap's wobble.
    pub moved: bool,
    /// A finger has rested long enough: true in one frame only.
    pub long_press: bool,
    /// The press began on the free canvas, not on a panel or window (the
    /// canvas decides, in the press's first frame).
    pub on_canvas: bool,
}

/// The finger that moves the pointer.
struct Finger {
    id: u64,
    start: Vec2,
    since: f64,
    fired: bool,
    /// Lifted in the frame it touched down: released next frame, so the
    /// canvas sees the press first.
    lifted: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Pointer>().add_systems(PreUpdate, read_pointer.after(bevy::input::InputSystems));
}

fn read_pointer(
    mouse: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    windows: Query<&Window, With<PrimaryWindow>>,
    time: Res<Time<Real>>,
    mut pointer: ResMut<Pointer>,
    mut finger: Local<Option<Finger>>,
) {
    let now = time.elapsed_secs_f64();
    let mut p = Pointer { fingers: touches.iter().count(), ..*pointer };
    p.just_pressed = false;
    p.just_released = false;
    p.long_press = false;
    match finger.as_mut() {
        Some(f) if f.lifted => {
            p.pressed = false;
            p.just_released = true;
            *finger = None;
        }
        Some(f) => match touches.get_pressed(f.id) {
            Some(t) => {
                p.screen = Some(t.position());
                p.moved |= t.position().distance(f.start) > STILL_PX;
                // (Two fingers are a pinch, never a long press.)
                if !f.fired && !p.moved && p.fingers == 1 && now - f.since >= LONG_PRESS_S {
                    f.fired = true;
                    p.long_press = true;
                }
            }
            None => {
                // Lifted (or taken away by the system): a release where it was.
                if let Some(t) = touches.get_released(f.id) {
                    p.screen = Some(t.position());
                }
                // Taken away (in an embed, the browser scrolls the page
                // with it): never a tap.
                p.moved |= touches.just_canceled(f.id);
                p.pressed = false;
                p.just_released = true;
                *finger = None;
            }
        },
        None => {
            if let Some(t) = touches.iter_just_pressed().next() {
                let lifted = touches.just_released(t.id());
                *finger = Some(Finger { id: t.id(), start: t.position(), since: now, fired: false, lifted });
                p = Pointer {
                    screen: Some(t.position()),
                    start: Some(t.position()),
                    pressed: true,
                    just_pressed: true,
                    touch: true,
                    fingers: p.fingers.max(1),
                    ..default()
                };
            } else if p.touch && p.fingers == 0 && !p.just_released {
                // The finger is gone: nothing points at the canvas until
                // the mouse moves or a finger comes back.
                p.screen = None;
                p.touch = windows.single().ok().and_then(|w| w.cursor_position()).is_none();
            }
            if !p.touch {
                let screen = windows.single().ok().and_then(|w| w.cursor_position());
                p.screen = screen;
                p.pressed = mouse.pressed(MouseButton::Left);
                p.just_pressed = mouse.just_pressed(MouseButton::Left);
                p.just_released = mouse.just_released(MouseButton::Left);
                if p.just_pressed {
                    p.start = screen;
                    p.moved = false;
                }
                if p.pressed
                    && let (Some(a), Some(b)) = (p.start, screen)
                {
                    p.moved |= a.distance(b) > STILL_PX;
                }
            }
        }
    }
    pointer.set_if_neq(p);
}
