import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jpegBytes, pngBytes, webpBytes } from './images.js';

/** The manifest of issue 23, as written there. */
export const FAMILY_MANIFEST = `name: family
defaults:
  quality: 360p
  duration: 5
  seed: 11
  generate_audio_switch: false
matrix:
  prompt:
    - { id: drift, text: "slow camera drift, soft morning light" }
    - { id: breeze, text: "a light breeze moves through the scene" }
  model: [paiwo-v5.6-ttv, paiwo-v5.6-itv, PixVerse-V6]
  image:
    - images/wide.png
    - images/tall.jpg
    - "images/*.webp"
  exclude:
    - { model: paiwo-v5.6-ttv }        # every ttv x image combination: text-to-video takes no image
  include:
    - { model: paiwo-v5.6-ttv, prompt: drift, aspect_ratio: "16:9" }
    - { model: paiwo-v5.6-ttv, prompt: breeze, aspect_ratio: "9:16" }
    - { model: PixVerse-V6, prompt: "a paper boat on a still pond", aspect_ratio: "21:9", duration: 3, generate_audio_switch: true }
    - { model: paiwo-v5.6-itv2, prompt: drift, first_frame: frames/start.png, last_frame: images/four-three.webp }
    - { model: PixVerse-C1, prompt: breeze, aspect_ratio: "1:1", duration: 7, generate_audio_switch: true }
`;

/** The four image files of the example: `frames/start.png` is a byte copy of `images/wide.png`. */
export async function writeFamilyImages(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'frames'), { recursive: true });
  await writeFile(path.join(dir, 'images/wide.png'), pngBytes(64, 36));
  await writeFile(path.join(dir, 'images/tall.jpg'), jpegBytes(36, 64));
  await writeFile(path.join(dir, 'images/four-three.webp'), webpBytes(64, 48));
  await copyFile(path.join(dir, 'images/wide.png'), path.join(dir, 'frames/start.png'));
}

