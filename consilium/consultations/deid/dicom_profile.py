"""The attribute actions of DICOM PS3.15 Annex E, Table E.1-1 (Basic Profile), as we apply them.

This is a curated subset of the ~600 rows of the standard: the attributes that in practice carry
patient, staff, institution, device and request identity in the images partners send us. Where
the standard gives a choice (X/Z, X/Z/D, Z/D...) we take the least revealing action the CT, MR,
CR, US and secondary-capture IODs allow. The table uses no D (dummy value): PatientName and
PatientID, the only dummies, get the consultation pseudonym in ``dicom_deid``.

Actions: X remove, Z keep the attribute with an empty value, U replace the UID(s) consistently,
K keep. The output is a new dataset built from this table; for attributes *not* listed
(``dicom_deid``): private attributes, curves, overlays and attributes unknown to the DICOM
dictionary are left out; so is any other free text (PN, AE, LO, SH, ST, LT, UT, UC, UR, UN);
other dates are emptied (or shifted); other instance UIDs are replaced; codes, numbers and
pixel data are copied.
"""

from __future__ import annotations

from typing import Final, Literal

from pydicom.datadict import tag_for_keyword
from pydicom.tag import BaseTag, Tag

Action = Literal["X", "Z", "U", "K"]

# Keywords rather than tags, so the table reads like the standard; resolved once at import.
_ACTIONS_BY_KEYWORD: Final[dict[str, Action]] = {
    # Patient identity and demographics
    "IssuerOfPatientID": "X",
    "IssuerOfPatientIDQualifiersSequence": "X",
    "TypeOfPatientID": "X",
    "PatientBirthDate": "Z",
    "PatientBirthTime": "X",
    "PatientBirthDateInAlternativeCalendar": "X",
    "PatientDeathDateInAlternativeCalendar": "X",
    "PatientAlternativeCalendar": "X",
    "PatientInsurancePlanCodeSequence": "X",
    "PatientPrimaryLanguageCodeSequence": "X",
    "PatientPrimaryLanguageModifierCodeSequence": "X",
    "OtherPatientIDs": "X",
    "OtherPatientNames": "X",
    "OtherPatientIDsSequence": "X",
    "PatientBirthName": "X",
    "PatientAddress": "X",
    "InsurancePlanIdentification": "X",
    "PatientMotherBirthName": "X",
    "MilitaryRank": "X",
    "BranchOfService": "X",
    "MedicalRecordLocator": "X",
    "ReferencedPatientPhotoSequence": "X",
    "ReferencedPatientAliasSequence": "X",
    "MedicalAlerts": "X",
    "Allergies": "X",
    "CountryOfResidence": "X",
    "RegionOfResidence": "X",
    "PatientTelephoneNumbers": "X",
    "PatientTelecomInformation": "X",
    "EthnicGroup": "X",
    "Occupation": "X",
    "SmokingStatus": "X",
    "AdditionalPatientHistory": "X",
    "PregnancyStatus": "X",
    "LastMenstrualDate": "X",
    "PatientReligiousPreference": "X",
    "PatientComments": "X",
    "ResponsiblePerson": "X",
    "ResponsiblePersonRole": "X",
    "ResponsibleOrganization": "X",
    "PatientState": "X",
    "PatientInstitutionResidence": "X",
    "PatientTransportArrangements": "X",
    "SpecialNeeds": "X",
    "CurrentPatientLocation": "X",
    "AdmissionID": "X",
    "IssuerOfAdmissionIDSequence": "X",
    "AdmittingDate": "X",
    "AdmittingTime": "X",
    "AdmittingDiagnosesDescription": "X",
    "AdmittingDiagnosesCodeSequence": "X",
    "ServiceEpisodeID": "X",
    "ServiceEpisodeDescription": "X",
    "VisitComments": "X",
    "ReferencedPatientSequence": "X",
    # Study, request and procedure step
    "AccessionNumber": "Z",
    "IssuerOfAccessionNumberSequence": "X",
    "StudyID": "Z",
    "StudyDate": "Z",
    "StudyTime": "Z",
    "SeriesDate": "X",
    "SeriesTime": "X",
    "AcquisitionDate": "X",
    "AcquisitionTime": "X",
    "AcquisitionDateTime": "X",
    "ContentDate": "Z",
    "ContentTime": "Z",
    "InstanceCreationDate": "X",
    "InstanceCreationTime": "X",
    "OverlayDate": "X",
    "OverlayTime": "X",
    "CurveDate": "X",
    "CurveTime": "X",
    "TimezoneOffsetFromUTC": "X",
    "StudyDescription": "X",
    "SeriesDescription": "X",
    "StudyComments": "X",
    "ImageComments": "X",
    "FrameComments": "X",
    "IdentifyingComments": "X",
    "DerivationDescription": "X",
    "ReasonForStudy": "X",
    "RequestingService": "X",
    "RequestedProcedureDescription": "X",
    "RequestedProcedureID": "X",
    "RequestedProcedureComments": "X",
    "RequestedProcedureLocation": "X",
    "RequestAttributesSequence": "X",
    "ImagingServiceRequestComments": "X",
    "PlacerOrderNumberImagingServiceRequest": "X",
    "FillerOrderNumberImagingServiceRequest": "X",
    "OrderEnteredBy": "X",
    "OrderEntererLocation": "X",
    "OrderCallbackPhoneNumber": "X",
    "ScheduledStudyLocation": "X",
    "ScheduledStudyLocationAETitle": "X",
    "ScheduledStationName": "X",
    "ScheduledProcedureStepLocation": "X",
    "ScheduledProcedureStepDescription": "X",
    "ScheduledProcedureStepID": "X",
    "ScheduledProcedureStepStartDate": "X",
    "ScheduledProcedureStepStartTime": "X",
    "PerformedStationName": "X",
    "PerformedLocation": "X",
    "PerformedProcedureStepID": "X",
    "PerformedProcedureStepDescription": "X",
    "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    "PerformedProcedureStepEndDate": "X",
    "PerformedProcedureStepEndTime": "X",
    "CommentsOnThePerformedProcedureStep": "X",
    "ReferencedStudySequence": "X",
    "ReferencedPerformedProcedureStepSequence": "X",
    "ConfidentialityConstraintOnPatientDataDescription": "X",
    "ProtocolName": "X",
    "AcquisitionProtocolDescription": "X",
    "AcquisitionComments": "X",
    "ContributionDescription": "X",
    "ContrastBolusAgent": "Z",
    # Institution and staff
    "InstitutionName": "X",
    "InstitutionAddress": "X",
    "InstitutionCodeSequence": "X",
    "InstitutionalDepartmentName": "X",
    "InstitutionalDepartmentTypeCodeSequence": "X",
    "ReferringPhysicianName": "Z",
    "ReferringPhysicianAddress": "X",
    "ReferringPhysicianTelephoneNumbers": "X",
    "ReferringPhysicianIdentificationSequence": "X",
    "ConsultingPhysicianName": "Z",
    "ConsultingPhysicianIdentificationSequence": "X",
    "PhysiciansOfRecord": "X",
    "PhysiciansOfRecordIdentificationSequence": "X",
    "PerformingPhysicianName": "X",
    "PerformingPhysicianIdentificationSequence": "X",
    "NameOfPhysiciansReadingStudy": "X",
    "PhysiciansReadingStudyIdentificationSequence": "X",
    "RequestingPhysician": "X",
    "RequestingPhysicianIdentificationSequence": "X",
    "OperatorsName": "X",
    "OperatorIdentificationSequence": "X",
    "ContentCreatorName": "Z",
    "ContentCreatorIdentificationCodeSequence": "X",
    "VerifyingOrganization": "X",
    "VerifyingObserverSequence": "X",
    "AuthorObserverSequence": "X",
    "ParticipantSequence": "X",
    "CustodialOrganizationSequence": "X",
    "PersonIdentificationCodeSequence": "X",
    "PersonAddress": "X",
    "PersonTelephoneNumbers": "X",
    "ReviewerName": "X",
    # Equipment and device identity
    "StationName": "X",
    "DeviceSerialNumber": "X",
    "DeviceUID": "U",
    "PlateID": "X",
    "DetectorID": "X",
    "GantryID": "X",
    "GeneratorID": "X",
    "CassetteID": "X",
    "SoftwareVersions": "X",
    "AcquisitionDeviceProcessingDescription": "X",
    # Structured and signed content we cannot vouch for
    "ContentSequence": "X",
    "TextValue": "X",
    "DigitalSignaturesSequence": "X",
    "MACParametersSequence": "X",
    "OriginalAttributesSequence": "X",
    "EncryptedAttributesSequence": "X",
    # Instance UIDs (any other instance UID is also replaced, see dicom_deid)
    "StudyInstanceUID": "U",
    "SeriesInstanceUID": "U",
    "SOPInstanceUID": "U",
    "ReferencedSOPInstanceUID": "U",
    "FrameOfReferenceUID": "U",
    "SynchronizationFrameOfReferenceUID": "U",
    "InstanceCreatorUID": "U",
    "IrradiationEventUID": "U",
    "ConcatenationUID": "U",
    "DimensionOrganizationUID": "U",
    "StorageMediaFileSetUID": "U",
    "TransactionUID": "U",
    "FiducialUID": "U",
    # Retain Patient Characteristics Option (113108): age, sex, size and weight drive
    # paediatric dosing and staging, so they stay.
    "PatientAge": "K",
    "PatientSex": "K",
    "PatientSize": "K",
    "PatientWeight": "K",
    # Free text the output is built without unless listed here (see dicom_deid): these name
    # equipment and image processing, never a person or a place, and readers need them.
    "Manufacturer": "K",
    "ManufacturerModelName": "K",
    "ConvolutionKernel": "K",
    "RescaleType": "K",
    "WindowCenterWidthExplanation": "K",
    "ContrastBolusRoute": "K",
    "MIMETypeOfEncapsulatedDocument": "K",
}


def _resolve(table: dict[str, Action]) -> dict[BaseTag, Action]:
    resolved: dict[BaseTag, Action] = {}
    for keyword, action in table.items():
        tag = tag_for_keyword(keyword)
        if tag is None:  # pragma: no cover - guarded by a test
            raise LookupError(f"Unknown DICOM keyword in the de-identification table: {keyword}")
        resolved[Tag(tag)] = action
    return resolved


ACTIONS: Final[dict[BaseTag, Action]] = _resolve(_ACTIONS_BY_KEYWORD)
