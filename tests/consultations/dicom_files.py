"""Real files for consultation tests: a CT slice as a PACS exports it, a phone photo."""

import io

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid


def ct_slice(patient_name: str = "NGUYEN^VAN AN", patient_id: str = "BN-2024-77123") -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = "20190314"
    ds.InstitutionName = "Vietnam National Children's Hospital"
    ds.ReferringPhysicianName = "TRAN^THI^B"
    ds.Modality = "CT"
    ds.Rows = ds.Columns = 32
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = (np.arange(32 * 32, dtype=np.int16) - 500).tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def phone_photo() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 80, 80))
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90°
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 48.0, 0.0)}  # GPS, Hanoi
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
