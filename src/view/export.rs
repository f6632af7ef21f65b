//! Exporting a run as pictures: an animated GIF of the canvas (packets
//! moving) over a stretch of sim time, with the charts if asked, and a PNG
//! of the diagram. The run is stepped exactly `1/fps` of sim time per frame
//! and the real window is captured after each step, so the GIF shows what
//! the app shows. From the command line (`systemdecoder export`, under Xvfb
//! where there is no GPU) and from the timeline's Replay menu (the browser
//! downloads the file).

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use image::ImageEncoder;

use super::state::CanvasRect;
use crate::replay::record::Scrub;
use crate::sim::Sim;
use crate::sim::time::{NANOS_PER_SEC, Nanos, SimSpeed};

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportJob {
    pub from: Nanos,
    pub to: Nanos,
    pub fps: u32,
    /// Width of the GIF in pixels (its height follows the picture's shape).
    pub width: u32,
    /// The charts strip under the canvas too.
    pub charts: bool,
    /// Where the GIF goes (none: no GIF).
    pub gif: Option<PathBuf>,
    /// Where the PNG of the diagram at `from` goes (none: no PNG).
    pub png: Option<PathBuf>,
    /// Close the app when done (the command line).
    pub exit: bool,
}

/// Most frames one GIF may have (a minute at 30 frames a second).
pub const MAX_FRAMES: u64 = 1800;

impl ExportJob {
    /// Frames the GIF will have.
    pub fn frame_count(&self) -> u64 {
        if self.gif.is_none() {
            return 1;
        }
        let dt = self.step();
        (self.to.saturating_sub(self.from)).div_ceil(dt) + 1
    }

    /// Sim time between frames.
    fn step(&self) -> Nanos {
        NANOS_PER_SEC / self.fps.max(1) as u64
    }
}

/// Ask for an export (the app's menu does).
#[derive(Message, Clone, Debug)]
pub struct StartExport(pub ExportJob);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Let the window settle (layout, fitting the view) for a few frames.
    Settle(u32),
    /// The seek to the start is under way.
    Seek(u32),
    /// The clock is being moved to the next frame's time.
    Step(Nanos, u32),
    /// A capture was asked for; waiting for it.
    Shoot,
    Done,
}

/// An export in progress.
#[derive(Resource)]
struct Exporting {
    job: ExportJob,
    phase: Phase,
    frames: Vec<image::RgbaImage>,
    /// The part of the window the pictures keep (physical pixels).
    crop: (u32, u32, u32, u32),
    was_paused: bool,
    /// The panels as they were (the pictures show the canvas and charts
    /// only; the side panels and windows come back afterwards).
    panels: Option<super::state::Panels>,
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<StartExport>().add_systems(Update, (start, drive.run_if(resource_exists::<Exporting>)).chain());
}

fn start(
    mut asks: MessageReader<StartExport>,
    mut commands: Commands,
    speed: Res<SimSpeed>,
    busy: Option<Res<Exporting>>,
) {
    let Some(job) = asks.read().last().cloned() else { return };
    if busy.is_some() {
        return;
    }
    commands.insert_resource(Exporting {
        job: job.0.clone(),
        // The command line starts before the first frame: the window needs
        // a moment to lay itself out and fit the view.
        phase: Phase::Settle(if job.0.exit { 30 } else { 2 }),
        frames: Vec::new(),
        crop: (0, 0, 1, 1),
        was_paused: speed.paused,
        panels: None,
    });
}

#[allow(clippy::too_many_arguments)]
fn drive(
    mut commands: Commands,
    mut ex: ResMut<Exporting>,
    mut speed: ResMut<SimSpeed>,
    sim: Res<Sim>,
    mut scrub: MessageWriter<Scrub>,
    canvas: Res<CanvasRect>,
    windows: Query<&Window, With<PrimaryWindow>>,
    (mut learn, mut panels, mut fit): (
        ResMut<super::lesson_panel::LessonState>,
        ResMut<super::state::Panels>,
        MessageWriter<super::state::FitView>,
    ),
) {
    match ex.phase {
        Phase::Settle(0) => {
            speed.paused = true;
            // The pictures are of the system, not of the learning window
            // or the side panels: the canvas takes the width, fitted.
            learn.open = false;
            ex.panels = Some(panels.clone());
            *panels = super::state::Panels { inspector: false, charts: ex.job.charts, ..default() };
            fit.write(super::state::FitView);
            scrub.write(Scrub::To(ex.job.from));
            ex.phase = Phase::Seek(4);
        }
        Phase::Settle(n) => ex.phase = Phase::Settle(n - 1),
        Phase::Seek(n) if sim.now() != ex.job.from => ex.phase = Phase::Seek(n.max(4)),
        Phase::Seek(0) => shoot(&mut commands, &mut ex, &canvas, &windows),
        Phase::Seek(n) => {
            // Fit again now the panels have gone (the canvas is larger).
            if n == 3 {
                fit.write(super::state::FitView);
            }
            ex.phase = Phase::Seek(n - 1);
        }
        Phase::Step(target, wait) => {
            if sim.now() < target {
                if !speed.step_once {
                    // Playback may stop the clock at a recorded change, and
                    // the frame budget may cut a step short: ask again.
                    speed.tick = target - sim.now();
                    speed.step_once = true;
                }
            } else if wait > 0 {
                ex.phase = Phase::Step(target, wait - 1);
            } else {
                shoot(&mut commands, &mut ex, &canvas, &windows);
            }
        }
        Phase::Shoot => {}
        Phase::Done => {
            let ex_job = ex.job.clone();
            let frames = std::mem::take(&mut ex.frames);
            let was_paused = ex.was_paused;
            if let Some(p) = ex.panels.take() {
                *panels = p;
            }
            commands.remove_resource::<Exporting>();
            speed.paused = was_paused;
            speed.tick = SimSpeed::default().tick;
            commands.queue(move |w: &mut World| {
                let outcome = write_files(&ex_job, &frames);
                let failed = outcome.is_err();
                let text = outcome.unwrap_or_else(|e| e);
                if ex_job.exit {
                    if failed {
                        eprintln!("error: {text}");
                    } else {
                        println!("{text}");
                    }
                    w.write_message(if failed { AppExit::error() } else { AppExit::Success });
                } else {
                    super::files::status(w, text, failed);
                }
            });
        }
    }
}

/// Capture the window; the frame is kept when it arrives, then the clock
/// moves on (or the export ends).
fn shoot(
    commands: &mut Commands,
    ex: &mut Exporting,
    canvas: &CanvasRect,
    windows: &Query<&Window, With<PrimaryWindow>>,
) {
    let Ok(window) = windows.single() else { return };
    let scale = window.scale_factor();
    let (w, h) = (window.physical_width(), window.physical_height());
    ex.crop = match canvas.0 {
        Some(r) => {
            let x = (r.left() * scale).max(0.0) as u32;
            let y = (r.top() * scale).max(0.0) as u32;
            let right = ((r.right() * scale) as u32).min(w);
            let bottom = if ex.job.charts { h } else { ((r.bottom() * scale) as u32).min(h) };
            let x = if ex.job.charts { 0 } else { x };
            let right = if ex.job.charts { w } else { right };
            (x, y, right.saturating_sub(x).max(1), bottom.saturating_sub(y).max(1))
        }
        None => (0, 0, w, h),
    };
    ex.phase = Phase::Shoot;
    commands.spawn(Screenshot::primary_window()).observe(
        |captured: On<ScreenshotCaptured>, ex: Option<ResMut<Exporting>>, sim: Res<Sim>| {
            let Some(mut ex) = ex else { return };
            let (x, y, w, h) = ex.crop;
            match captured.image.clone().try_into_dynamic() {
                Ok(img) => {
                    let frame = image::imageops::crop_imm(&img.to_rgba8(), x, y, w, h).to_image();
                    ex.frames.push(frame);
                }
                Err(e) => {
                    error!("export: a captured frame could not be read: {e}");
                    ex.phase = Phase::Done;
                    return;
                }
            }
            let now = sim.now();
            if ex.job.gif.is_none() || now >= ex.job.to || ex.frames.len() as u64 >= MAX_FRAMES {
                ex.phase = Phase::Done;
            } else {
                ex.phase = Phase::Step((now + ex.job.step()).min(ex.job.to), 1);
            }
        },
    );
}

/// Encode and write what was captured; says what was written.
fn write_files(job: &ExportJob, frames: &[image::RgbaImage]) -> Result<String, String> {
    let first = frames.first().ok_or("no frame was captured")?;
    let mut said = Vec::new();
    if let Some(path) = &job.png {
        let mut bytes = Vec::new();
        image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(first.as_raw(), first.width(), first.height(), image::ExtendedColorType::Rgba8)
            .map_err(|e| format!("cannot encode the PNG: {e}"))?;
        save(path, &bytes, "image/png")?;
        said.push(format!("{} ({}×{})", path.display(), first.width(), first.height()));
    }
    if let Some(path) = &job.gif {
        let bytes = encode_gif(frames, job.width, job.fps)?;
        // Read back what was written: the frames, their size, and how many
        // differ from the one before (packets move).
        let seen = read_gif(&bytes)?;
        save(path, &bytes, "image/gif")?;
        said.push(format!(
            "{} ({} frames at {} fps, {}×{}, {} differ from the frame before; {} KB)",
            path.display(),
            seen.frames,
            job.fps,
            seen.width,
            seen.height,
            seen.changed,
            bytes.len() / 1024
        ));
    }
    Ok(format!("exported {}", said.join(" and ")))
}

/// An animated GIF of the frames, scaled to `width`, looping.
pub fn encode_gif(frames: &[image::RgbaImage], width: u32, fps: u32) -> Result<Vec<u8>, String> {
    let first = frames.first().ok_or("no frames")?;
    let width = width.clamp(16, first.width().max(16)).min(u16::MAX as u32);
    let height =
        ((first.height() as u64 * width as u64) / first.width().max(1) as u64).clamp(1, u16::MAX as u64) as u32;
    let mut bytes = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut bytes, width as u16, height as u16, &[])
            .map_err(|e| format!("cannot start the GIF: {e}"))?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(|e| format!("cannot write the GIF: {e}"))?;
        // Centiseconds between frames (the format's unit).
        let delay = (100 / fps.max(1)).max(2) as u16;
        let mut last: Option<image::RgbaImage> = None;
        for f in frames {
            let scaled = image::imageops::resize(f, width, height, image::imageops::FilterType::Triangle);
            // After the first frame only the rectangle that changed is
            // stored (packets and charts move; most of the picture stays).
            let (x, y, w, h) = match &last {
                Some(prev) => changed_box(prev, &scaled).unwrap_or((0, 0, 1, 1)),
                None => (0, 0, width, height),
            };
            let mut px = image::imageops::crop_imm(&scaled, x, y, w, h).to_image().into_raw();
            let mut frame = gif::Frame::from_rgba_speed(w as u16, h as u16, &mut px, 10);
            frame.left = x as u16;
            frame.top = y as u16;
            frame.dispose = gif::DisposalMethod::Keep;
            frame.delay = delay;
            enc.write_frame(&frame).map_err(|e| format!("cannot write the GIF: {e}"))?;
            last = Some(scaled);
        }
    }
    Ok(bytes)
}

/// The smallest rectangle holding every pixel that differs, if any.
fn changed_box(a: &image::RgbaImage, b: &image::RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in b.enumerate_pixels() {
        if a.get_pixel(x, y) != p {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 != u32::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// What a GIF holds, read back.
#[derive(Debug, PartialEq)]
pub struct GifSeen {
    pub frames: usize,
    pub width: u16,
    pub height: u16,
    /// Frames whose pixels differ from the frame before.
    pub changed: usize,
}

/// Decode a GIF and describe it.
pub fn read_gif(bytes: &[u8]) -> Result<GifSeen, String> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(bytes).map_err(|e| format!("the GIF does not read back: {e}"))?;
    let (width, height) = (d.width(), d.height());
    // Frames may cover part of the picture: paint each onto the whole, as
    // a viewer does, and compare the wholes.
    let mut canvas = vec![0u8; width as usize * height as usize * 4];
    let (mut frames, mut changed) = (0, 0);
    while let Some(f) = d.read_next_frame().map_err(|e| format!("the GIF does not read back: {e}"))? {
        let before = canvas.clone();
        for row in 0..f.height as usize {
            for col in 0..f.width as usize {
                let (x, y) = (f.left as usize + col, f.top as usize + row);
                let src = (row * f.width as usize + col) * 4;
                if x < width as usize && y < height as usize && f.buffer.get(src + 3).is_some_and(|a| *a > 0) {
                    let dst = (y * width as usize + x) * 4;
                    canvas[dst..dst + 4].copy_from_slice(&f.buffer[src..src + 4]);
                }
            }
        }
        if frames > 0 && before != canvas {
            changed += 1;
        }
        frames += 1;
    }
    Ok(GifSeen { frames, width, height, changed })
}

/// Write a file (desktop) or hand it to the browser as a download.
pub fn save(path: &std::path::Path, bytes: &[u8], mime: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        let name = path.file_name().map_or("export".into(), |n| n.to_string_lossy().to_string());
        super::browser::download_bytes(&name, bytes, mime)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = mime;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: u32, h: u32, dot: u32) -> image::RgbaImage {
        image::RgbaImage::from_fn(w, h, |x, y| {
            if x == dot && y == h / 2 { image::Rgba([255, 200, 40, 255]) } else { image::Rgba([16, 21, 32, 255]) }
        })
    }

    #[test]
    fn a_gif_has_the_asked_frames_size_and_motion() {
        let frames: Vec<_> = (0..5).map(|i| frame(200, 100, 20 + 30 * i)).collect();
        let bytes = encode_gif(&frames, 100, 10).expect("encodes");
        let seen = read_gif(&bytes).expect("reads back");
        assert_eq!(seen, GifSeen { frames: 5, width: 100, height: 50, changed: 4 });
        // A still picture: no frame differs.
        let still = vec![frame(64, 64, 3); 3];
        assert_eq!(read_gif(&encode_gif(&still, 64, 5).expect("encodes")).expect("reads").changed, 0);
        assert!(read_gif(b"GIF89a nonsense").is_err());
    }

    #[test]
    fn frame_counts_follow_the_stretch_and_rate() {
        let job = |from: f64, to: f64, fps: u32, gif: bool| ExportJob {
            from: crate::sim::time::secs_to_nanos(from),
            to: crate::sim::time::secs_to_nanos(to),
            fps,
            width: 320,
            charts: false,
            gif: gif.then(|| "x.gif".into()),
            png: None,
            exit: true,
        };
        assert_eq!(job(0.0, 2.0, 10, true).frame_count(), 21);
        assert_eq!(job(5.0, 5.0, 10, true).frame_count(), 1);
        assert_eq!(job(0.0, 2.0, 10, false).frame_count(), 1);
    }
}
